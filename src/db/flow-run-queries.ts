// Reads of flow runs and task runs from the D1 index: lists and counts never ask the run objects.
import { and, type SQL, sql } from 'drizzle-orm';
import type { FlowRun, FlowRunFilterBody, TaskRun, TaskRunFilterBody } from 'edgeflow/protocol';
import { flowRunWhere, inList, likeSubstring } from './filters';
import { prepare } from './statements';

const FLOW_RUN_ORDER: Record<FlowRunFilterBody['sort'], string> = {
  ID_DESC: 'flow_runs.id DESC',
  START_TIME_ASC: 'flow_runs.start_time ASC NULLS LAST, flow_runs.id',
  START_TIME_DESC: 'flow_runs.start_time DESC NULLS LAST, flow_runs.id',
  EXPECTED_START_TIME_ASC: 'flow_runs.expected_start_time ASC, flow_runs.id',
  EXPECTED_START_TIME_DESC: 'flow_runs.expected_start_time DESC, flow_runs.id',
  NAME_ASC: 'flow_runs.name ASC, flow_runs.id',
  NAME_DESC: 'flow_runs.name DESC, flow_runs.id',
  NEXT_SCHEDULED_START_TIME_ASC: 'flow_runs.next_scheduled_start_time ASC, flow_runs.id',
  END_TIME_DESC: 'flow_runs.end_time DESC NULLS LAST, flow_runs.id',
};

function toSql(where: SQL | undefined): SQL {
  return where ? sql` WHERE ${where}` : sql``;
}

async function all<T>(db: D1Database, query: SQL): Promise<T[]> {
  const { results } = await prepare(db, query).all<T>();
  return results;
}

export async function filterFlowRuns(db: D1Database, body: FlowRunFilterBody): Promise<FlowRun[]> {
  const where = flowRunWhere(body.flows, body.flow_runs);
  const rows = await all<{ doc: string }>(
    db,
    sql`SELECT doc FROM flow_runs${toSql(where)} ORDER BY ${sql.raw(FLOW_RUN_ORDER[body.sort])} LIMIT ${body.limit} OFFSET ${body.offset}`,
  );
  return rows.map((row) => JSON.parse(row.doc) as FlowRun);
}

export async function countFlowRuns(
  db: D1Database,
  body: Pick<FlowRunFilterBody, 'flows' | 'flow_runs'>,
): Promise<number> {
  const where = flowRunWhere(body.flows, body.flow_runs);
  const [row] = await all<{ n: number }>(db, sql`SELECT count(*) AS n FROM flow_runs${toSql(where)}`);
  return row?.n ?? 0;
}

const TASK_RUN_ORDER: Record<TaskRunFilterBody['sort'], string> = {
  ID_DESC: 'task_runs.id DESC',
  EXPECTED_START_TIME_ASC: 'task_runs.expected_start_time ASC, task_runs.created, task_runs.id',
  EXPECTED_START_TIME_DESC: 'task_runs.expected_start_time DESC, task_runs.id',
  NAME_ASC: 'task_runs.name ASC, task_runs.id',
  END_TIME_DESC: 'task_runs.end_time DESC NULLS LAST, task_runs.id',
};

function taskRunWhere(body: TaskRunFilterBody): SQL | undefined {
  const out: SQL[] = [];
  const f = body.task_runs;
  const c = (name: string) => sql.raw(`task_runs.${name}`);
  if (f?.id?.any_) out.push(inList(c('id'), f.id.any_));
  if (f?.name?.any_) out.push(inList(c('name'), f.name.any_));
  if (f?.name?.like_) out.push(likeSubstring(c('name'), f.name.like_));
  for (const tag of f?.tags?.all_ ?? [])
    out.push(sql`EXISTS (SELECT 1 FROM json_each(task_runs.tags) WHERE value = ${tag})`);
  if (f?.flow_run_id?.any_) out.push(inList(c('flow_run_id'), f.flow_run_id.any_));
  if (f?.state?.type?.any_) out.push(inList(c('state_type'), f.state.type.any_));
  if (f?.state?.name?.any_) out.push(inList(c('state_name'), f.state.name.any_));
  const runSide = flowRunWhere(body.flows, body.flow_runs);
  if (runSide) out.push(sql`task_runs.flow_run_id IN (SELECT flow_runs.id FROM flow_runs WHERE ${runSide})`);
  return out.length > 0 ? and(...out) : undefined;
}

export async function filterTaskRuns(db: D1Database, body: TaskRunFilterBody): Promise<TaskRun[]> {
  const rows = await all<{ doc: string }>(
    db,
    sql`SELECT doc FROM task_runs${toSql(taskRunWhere(body))} ORDER BY ${sql.raw(TASK_RUN_ORDER[body.sort])} LIMIT ${body.limit} OFFSET ${body.offset}`,
  );
  return rows.map((row) => JSON.parse(row.doc) as TaskRun);
}

export async function countTaskRuns(db: D1Database, body: TaskRunFilterBody): Promise<number> {
  const [row] = await all<{ n: number }>(
    db,
    sql`SELECT count(*) AS n FROM task_runs${toSql(taskRunWhere(body))}`,
  );
  return row?.n ?? 0;
}

/** The flow run a task run belongs to, so its requests can go to that run's object. */
export async function flowRunIdOfTaskRun(db: D1Database, taskRunId: string): Promise<string | null> {
  const row = await db
    .prepare('SELECT flow_run_id FROM task_runs WHERE id = ?')
    .bind(taskRunId)
    .first<{ flow_run_id: string }>();
  return row?.flow_run_id ?? null;
}

/**
 * What D1 holds of a run object's last deliveries: the version of flow run `id` in the index (null:
 * none), and whether the event `eventId` is stored. One query.
 */
export async function indexedDelivery(
  db: D1Database,
  id: string,
  eventId: string | null,
): Promise<{ version: number | null; eventStored: boolean }> {
  const row = await db
    .prepare(
      `SELECT (SELECT state_version FROM flow_runs WHERE id = ?1) AS version,
              EXISTS (SELECT 1 FROM events WHERE id = ?2) AS event_stored`,
    )
    .bind(id, eventId ?? '')
    .first<{ version: number | null; event_stored: number }>();
  return { version: row?.version ?? null, eventStored: row?.event_stored === 1 };
}
