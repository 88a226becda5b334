// Creating or replacing deployments by (flow, name) in one D1 batch: the flows named but missing, the
// deployments, their schedules and the withdrawals replaced deployments owe commit together or not at all.
import type { TriggerAutomation } from '../domain/automations';
import type { NewEvent } from '../domain/events';
import { DEPLOYMENT_FIELDS, type DeploymentWrite, deploymentValues } from './deployment-rows';
import { SCHEDULE_COLUMNS, type ScheduleWrite, scheduleValues } from './deployment-schedules';
import { type AutomationEventMaker, triggerAutomationStatements } from './deployment-triggers';
import { derivedEventStatement } from './events';
import { insertStatements } from './statements';
import type { Withdrawal } from './withdrawals';

/** A deployment's flow: a known id, or a name whose flow is created in the same batch when missing. */
export type FlowRef = { id: string } | { name: string };

export interface DeploymentUpsert {
  flow: FlowRef;
  deployment: DeploymentWrite;
  schedules: ScheduleWrite[];
  /** Its triggers' automations: they replace the ones it had. */
  triggers: TriggerAutomation[];
}

export interface UpsertResult {
  id: string;
  name: string;
  created: boolean;
}

/** An upsert's two possible events: the batch keeps the one that happened (docs/events.md). */
export interface UpsertEvents {
  created: NewEvent;
  updated: NewEvent;
}

/**
 * Each item's event, chosen by whether its row kept the fresh id (created) or an older one (updated),
 * with the row's id and its flow's id filled in: both are known only inside the batch.
 */
const UPSERT_EVENTS = `SELECT json_set(
    CASE WHEN d.id = c.value ->> '$.fresh' THEN c.value -> '$.created' ELSE c.value -> '$.updated' END,
    '$.resource."prefect.resource.id"', 'prefect.deployment.' || d.id,
    '$.related[0]."prefect.resource.id"', 'prefect.flow.' || d.flow_id) AS value
  FROM json_each(?1) c JOIN deployments d
    ON d.flow_id = coalesce(c.value ->> '$.flow_id', (SELECT id FROM flows WHERE name = c.value ->> '$.flow_name'))
    AND d.name = c.value ->> '$.name'`;

/** D1 binds at most 100 parameters per statement. */
const MAX_PARAMS = 100;

/**
 * The flow's id inside a statement: the given id, or the flow of that name (created earlier in the
 * batch). Two parameters: the id or null, the name or null.
 */
const FLOW_ID = 'coalesce(?, (SELECT id FROM flows WHERE name = ?))';
const flowParams = (flow: FlowRef) => ('id' in flow ? [flow.id, null] : [null, flow.name]);

/** Statements of `head VALUES tuple, tuple… tail`, as many tuples each as the parameter cap allows. */
function valuesStatements(
  db: D1Database,
  head: string,
  tuple: string,
  rows: unknown[][],
  tail = '',
): D1PreparedStatement[] {
  if (rows.length === 0) return [];
  const perStatement = Math.floor(MAX_PARAMS / rows[0]!.length);
  const statements: D1PreparedStatement[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const values = chunk.map(() => tuple).join(', ');
    statements.push(db.prepare(`${head} ${values} ${tail}`).bind(...chunk.flat()));
  }
  return statements;
}

/**
 * Creates or replaces deployments by (flow, name) in one batch whatever their number, so a refused
 * or failed write leaves nothing behind. An existing deployment keeps its id and gets new schedules,
 * and owes the withdrawal of its runs due after now (returned, to be finished by the caller).
 */
export async function upsertDeployments(
  db: D1Database,
  items: DeploymentUpsert[],
  now: Date,
  /** Each item's events, stored in the same batch: the one that happened (their ids are filled in). */
  events: ((item: DeploymentUpsert) => UpsertEvents) | undefined,
  /** The trigger automations' events. */
  automationEvents: AutomationEventMaker,
): Promise<{ results: UpsertResult[]; withdrawals: Withdrawal[] }> {
  const at = now.toISOString();
  const fresh = items.map(() => crypto.randomUUID());
  const withdrawalIds = items.map(() => crypto.randomUUID());
  const names = [...new Set(items.flatMap(({ flow }) => ('name' in flow ? [flow.name] : [])))];
  const flows = insertStatements(
    db,
    'flows',
    ['id', 'name', 'tags', 'created', 'updated'],
    names.map((name) => [crypto.randomUUID(), name, '[]', at, at]),
    'ON CONFLICT (name) DO NOTHING',
  );

  const columns = ['id', 'flow_id', ...DEPLOYMENT_FIELDS];
  const updates = columns
    .filter((c) => c !== 'id' && c !== 'created')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
  const upserts = valuesStatements(
    db,
    `INSERT INTO deployments (${columns.join(', ')}) VALUES`,
    `(?, ${FLOW_ID}, ${DEPLOYMENT_FIELDS.map(() => '?').join(', ')})`,
    items.map((item, i) => [fresh[i], ...flowParams(item.flow), ...deploymentValues(item.deployment, at)]),
    `ON CONFLICT (flow_id, name) DO UPDATE SET ${updates}
     RETURNING id, flow_id, (SELECT name FROM flows WHERE id = flow_id) AS flow_name, name`,
  );

  // Matches each item to its deployment row as it stands after the upserts.
  const keys = items.map((item) => [...flowParams(item.flow), item.deployment.name]);
  const joinItems = `JOIN deployments d ON d.flow_id = coalesce(v.column1, (SELECT id FROM flows WHERE name = v.column2))
      AND d.name = v.column3`;
  const withdrawals = valuesStatements(
    db,
    `INSERT INTO deployment_withdrawals (id, deployment_id, schedule_id, after, created)
     SELECT v.column5, d.id, NULL, v.column6, v.column6 FROM (VALUES`,
    '(?, ?, ?, ?, ?, ?)',
    // Only where the row kept an older id: a replaced deployment.
    items.map((_, i) => [...keys[i]!, fresh[i], withdrawalIds[i], at]),
    `) v ${joinItems} WHERE d.id <> v.column4`,
  );
  const oldSchedules = valuesStatements(
    db,
    'DELETE FROM deployment_schedules WHERE deployment_id IN (SELECT d.id FROM (VALUES',
    '(?, ?, ?)',
    keys,
    `) v ${joinItems})`,
  );
  const deploymentId = `(SELECT id FROM deployments WHERE flow_id = ${FLOW_ID} AND name = ?)`;
  const schedules = valuesStatements(
    db,
    `INSERT INTO deployment_schedules (${SCHEDULE_COLUMNS.join(', ')}) VALUES`,
    `(?, ${deploymentId}, ${SCHEDULE_COLUMNS.slice(2)
      .map(() => '?')
      .join(', ')})`,
    items.flatMap((item, i) =>
      item.schedules.map((s, position) => {
        const [id, , ...rest] = scheduleValues('', position, s, item.deployment.paused, now);
        return [id, ...keys[i]!, ...rest];
      }),
    ),
  );

  const triggers = items.flatMap((item) =>
    triggerAutomationStatements(
      db,
      {
        ...('id' in item.flow ? { flow_id: item.flow.id } : { flow_name: item.flow.name }),
        name: item.deployment.name,
      },
      item.triggers,
      automationEvents,
      now,
    ),
  );
  const candidates = events
    ? items.map((item, i) => {
        const flow = 'id' in item.flow ? { flow_id: item.flow.id } : { flow_name: item.flow.name };
        return { fresh: fresh[i], name: item.deployment.name, ...flow, ...events(item) };
      })
    : [];
  const eventRows = events ? [derivedEventStatement(db, UPSERT_EVENTS, JSON.stringify(candidates), now)] : [];
  const answers = await db.batch<{ id: string; flow_id: string; flow_name: string; name: string }>([
    ...flows,
    ...upserts,
    ...withdrawals,
    ...oldSchedules,
    ...schedules,
    ...triggers,
    ...eventRows,
  ]);
  const idOf = new Map<string, string>();
  for (const row of answers.slice(flows.length, flows.length + upserts.length).flatMap((a) => a.results)) {
    idOf.set(`id:${row.flow_id}\n${row.name}`, row.id);
    idOf.set(`name:${row.flow_name}\n${row.name}`, row.id);
  }
  const results = items.map((item, i) => {
    const flowKey = 'id' in item.flow ? `id:${item.flow.id}` : `name:${item.flow.name}`;
    const id = idOf.get(`${flowKey}\n${item.deployment.name}`)!;
    return { id, name: item.deployment.name, created: id === fresh[i] };
  });
  return {
    results,
    withdrawals: results.flatMap((result, i) =>
      result.created
        ? []
        : [{ id: withdrawalIds[i]!, deployment_id: result.id, schedule_id: null, after: at }],
    ),
  };
}
