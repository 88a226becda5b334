// Deployments and their schedules in D1: batched upserts, reads, filters, and the resets that make
// the scheduler look at a deployment again after it changed.
import { and, type SQL, sql } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type {
  Catchup,
  ConcurrencyOptions,
  Deployment,
  DeploymentFilterBody,
  DeploymentSchedule,
  Schedule,
} from 'edgeflow/protocol';
import type { StoredSchedule } from '../domain/schedules';
import { flowConditions, inList, likeSubstring } from './filters';

/** A deployment as written: flow resolved, defaults applied. */
export interface DeploymentWrite {
  flow_id: string;
  name: string;
  entrypoint: string | null;
  work_pool_name: string | null;
  work_queue_name: string | null;
  parameters: Record<string, unknown>;
  parameter_openapi_schema: Record<string, unknown> | null;
  enforce_parameter_schema: boolean;
  tags: string[];
  description: string | null;
  version: string | null;
  paused: boolean;
  concurrency_limit: number | null;
  concurrency_options: ConcurrencyOptions | null;
}

/** A schedule as written: the schedule normalised (anchor, DTSTART), defaults applied. */
export interface ScheduleWrite {
  schedule: StoredSchedule;
  active: boolean;
  parameters: Record<string, unknown>;
  catchup: Catchup;
  max_active_runs: number | null;
}

const dialect = new SQLiteSyncDialect();
/** D1 binds at most 100 parameters per statement. */
const MAX_PARAMS = 100;

function prepare(db: D1Database, query: SQL): D1PreparedStatement {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return db.prepare(text).bind(...params);
}

const DEPLOYMENT_COLUMNS = [
  'id',
  'flow_id',
  'name',
  'entrypoint',
  'work_pool_name',
  'work_queue_name',
  'parameters',
  'parameter_openapi_schema',
  'enforce_parameter_schema',
  'tags',
  'description',
  'version',
  'paused',
  'concurrency_limit',
  'collision_strategy',
  'grace_period_seconds',
  'created',
  'updated',
] as const;

const SCHEDULE_COLUMNS = [
  'id',
  'deployment_id',
  'position',
  'schedule',
  'active',
  'parameters',
  'catchup',
  'max_active_runs',
  'scheduled_until',
  'next_check_at',
  'created',
  'updated',
] as const;

/** Multi-row INSERTs, as many rows per statement as the bound-parameter cap allows. */
function insertStatements(
  db: D1Database,
  table: string,
  columns: readonly string[],
  rows: unknown[][],
  suffix = '',
): D1PreparedStatement[] {
  const perStatement = Math.floor(MAX_PARAMS / columns.length);
  const statements: D1PreparedStatement[] = [];
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    statements.push(
      db
        .prepare(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')} ${suffix}`,
        )
        .bind(...chunk.flat()),
    );
  }
  return statements;
}

function deploymentValues(id: string, d: DeploymentWrite, at: string): unknown[] {
  return [
    id,
    d.flow_id,
    d.name,
    d.entrypoint,
    d.work_pool_name,
    d.work_queue_name,
    JSON.stringify(d.parameters),
    d.parameter_openapi_schema ? JSON.stringify(d.parameter_openapi_schema) : null,
    d.enforce_parameter_schema ? 1 : 0,
    JSON.stringify(d.tags),
    d.description,
    d.version,
    d.paused ? 1 : 0,
    d.concurrency_limit,
    d.concurrency_options?.collision_strategy ?? null,
    d.concurrency_options?.grace_period_seconds ?? null,
    at,
    at,
  ];
}

/**
 * When the scheduler should next look at a schedule that was just written: at once (0 is due for any
 * tick, whatever its instant), unless the schedule needs nothing (inactive, or its deployment paused).
 */
export function initialCheckAt(active: boolean, paused: boolean): number | null {
  return active && !paused ? 0 : null;
}

function scheduleValues(
  deploymentId: string,
  position: number,
  s: ScheduleWrite,
  paused: boolean,
  at: Date,
): unknown[] {
  return [
    crypto.randomUUID(),
    deploymentId,
    position,
    JSON.stringify(s.schedule),
    s.active ? 1 : 0,
    JSON.stringify(s.parameters),
    s.catchup,
    s.max_active_runs,
    null,
    initialCheckAt(s.active, paused),
    at.toISOString(),
    at.toISOString(),
  ];
}

export interface UpsertResult {
  id: string;
  name: string;
  created: boolean;
}

/**
 * Creates or replaces deployments by (flow, name) in two round trips whatever their number: one batch
 * of upserts, one batch replacing their schedules. An existing deployment keeps its id.
 */
export async function upsertDeployments(
  db: D1Database,
  items: { deployment: DeploymentWrite; schedules: ScheduleWrite[] }[],
  now: Date,
): Promise<UpsertResult[]> {
  const at = now.toISOString();
  const fresh = items.map(() => crypto.randomUUID());
  const updates = DEPLOYMENT_COLUMNS.filter((c) => c !== 'id' && c !== 'created')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
  const upserts = insertStatements(
    db,
    'deployments',
    DEPLOYMENT_COLUMNS,
    items.map((item, i) => deploymentValues(fresh[i]!, item.deployment, at)),
    `ON CONFLICT (flow_id, name) DO UPDATE SET ${updates} RETURNING id, flow_id, name`,
  );
  const returned = (await db.batch<{ id: string; flow_id: string; name: string }>(upserts)).flatMap(
    (result) => result.results,
  );
  const idOf = new Map(returned.map((row) => [`${row.flow_id}\n${row.name}`, row.id]));
  const ids = items.map((item) => idOf.get(`${item.deployment.flow_id}\n${item.deployment.name}`)!);

  const scheduleRows = items.flatMap((item, i) =>
    item.schedules.map((s, position) => scheduleValues(ids[i]!, position, s, item.deployment.paused, now)),
  );
  await db.batch([
    prepare(db, sql`DELETE FROM deployment_schedules WHERE ${inList(sql.raw('deployment_id'), ids)}`),
    ...insertStatements(db, 'deployment_schedules', SCHEDULE_COLUMNS, scheduleRows),
  ]);
  return items.map((item, i) => ({ id: ids[i]!, name: item.deployment.name, created: ids[i] === fresh[i] }));
}

interface DeploymentRow {
  id: string;
  flow_id: string;
  name: string;
  entrypoint: string | null;
  work_pool_name: string | null;
  work_queue_name: string | null;
  parameters: string;
  parameter_openapi_schema: string | null;
  enforce_parameter_schema: number;
  tags: string;
  description: string | null;
  version: string | null;
  paused: number;
  concurrency_limit: number | null;
  collision_strategy: string | null;
  grace_period_seconds: number | null;
  created: string;
  updated: string;
}

export interface ScheduleRow {
  id: string;
  deployment_id: string;
  position: number;
  schedule: string;
  active: number;
  parameters: string;
  catchup: string;
  max_active_runs: number | null;
  scheduled_until: number | null;
  next_check_at: number | null;
  created: string;
  updated: string;
}

export function toSchedule(row: ScheduleRow): DeploymentSchedule {
  return {
    id: row.id,
    deployment_id: row.deployment_id,
    created: row.created,
    updated: row.updated,
    schedule: JSON.parse(row.schedule) as Schedule,
    active: row.active === 1,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    catchup: row.catchup as Catchup,
    max_active_runs: row.max_active_runs,
  };
}

function toDeployment(row: DeploymentRow, schedules: ScheduleRow[]): Deployment {
  return {
    id: row.id,
    created: row.created,
    updated: row.updated,
    name: row.name,
    flow_id: row.flow_id,
    entrypoint: row.entrypoint,
    work_pool_name: row.work_pool_name,
    work_queue_name: row.work_queue_name,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    parameter_openapi_schema: row.parameter_openapi_schema
      ? (JSON.parse(row.parameter_openapi_schema) as Record<string, unknown>)
      : null,
    enforce_parameter_schema: row.enforce_parameter_schema === 1,
    tags: JSON.parse(row.tags) as string[],
    description: row.description,
    version: row.version,
    paused: row.paused === 1,
    schedules: schedules.map(toSchedule),
    concurrency_limit: row.concurrency_limit,
    concurrency_options: row.collision_strategy
      ? {
          collision_strategy: row.collision_strategy as ConcurrencyOptions['collision_strategy'],
          grace_period_seconds: row.grace_period_seconds ?? 300,
        }
      : null,
  };
}

async function withSchedules(db: D1Database, rows: DeploymentRow[]): Promise<Deployment[]> {
  if (rows.length === 0) return [];
  const { results } = await prepare(
    db,
    sql`SELECT * FROM deployment_schedules WHERE ${inList(
      sql.raw('deployment_id'),
      rows.map((r) => r.id),
    )} ORDER BY deployment_id, position`,
  ).all<ScheduleRow>();
  return rows.map((row) =>
    toDeployment(
      row,
      results.filter((s) => s.deployment_id === row.id),
    ),
  );
}

export async function readDeployment(db: D1Database, id: string): Promise<Deployment | null> {
  const row = await db.prepare('SELECT * FROM deployments WHERE id = ?').bind(id).first<DeploymentRow>();
  return row ? ((await withSchedules(db, [row]))[0] ?? null) : null;
}

export async function readDeploymentByName(
  db: D1Database,
  flowName: string,
  name: string,
): Promise<Deployment | null> {
  const row = await db
    .prepare('SELECT d.* FROM deployments d JOIN flows f ON f.id = d.flow_id WHERE f.name = ? AND d.name = ?')
    .bind(flowName, name)
    .first<DeploymentRow>();
  return row ? ((await withSchedules(db, [row]))[0] ?? null) : null;
}

const ORDER: Record<DeploymentFilterBody['sort'], string> = {
  NAME_ASC: 'd.name ASC, d.id',
  NAME_DESC: 'd.name DESC, d.id',
  CREATED_DESC: 'd.created DESC, d.id',
  UPDATED_DESC: 'd.updated DESC, d.id',
};

export async function filterDeployments(db: D1Database, body: DeploymentFilterBody): Promise<Deployment[]> {
  const f = body.deployments;
  const c = (name: string) => sql.raw(`d.${name}`);
  const where: SQL[] = [];
  if (f?.id?.any_) where.push(inList(c('id'), f.id.any_));
  if (f?.name?.any_) where.push(inList(c('name'), f.name.any_));
  if (f?.name?.like_) where.push(likeSubstring(c('name'), f.name.like_));
  for (const tag of f?.tags?.all_ ?? [])
    where.push(sql`EXISTS (SELECT 1 FROM json_each(d.tags) WHERE value = ${tag})`);
  if (f?.paused) where.push(sql`d.paused = ${f.paused.eq_ ? 1 : 0}`);
  if (f?.work_pool_name?.any_) where.push(inList(c('work_pool_name'), f.work_pool_name.any_));
  if (f?.flow_id?.any_) where.push(inList(c('flow_id'), f.flow_id.any_));
  const flowSide = flowConditions(body.flows, 'f');
  if (flowSide.length > 0) where.push(sql`d.flow_id IN (SELECT f.id FROM flows f WHERE ${and(...flowSide)})`);
  const { results } = await prepare(
    db,
    sql`SELECT d.* FROM deployments d ${where.length > 0 ? sql`WHERE ${and(...where)}` : sql``} ORDER BY ${sql.raw(ORDER[body.sort])} LIMIT ${body.limit} OFFSET ${body.offset}`,
  ).all<DeploymentRow>();
  return withSchedules(db, results);
}

/**
 * Writes a changed deployment (and, when given, its new schedules), and has the scheduler start its
 * schedules over: no watermark, due now unless paused or inactive.
 */
export async function updateDeployment(
  db: D1Database,
  id: string,
  deployment: DeploymentWrite,
  schedules: ScheduleWrite[] | undefined,
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  const values = deploymentValues(id, deployment, at);
  const sets = DEPLOYMENT_COLUMNS.map((column, i) => ({ column, value: values[i] })).filter(
    ({ column }) => column !== 'id' && column !== 'created',
  );
  const statements = [
    db
      .prepare(`UPDATE deployments SET ${sets.map(({ column }) => `${column} = ?`).join(', ')} WHERE id = ?`)
      .bind(...sets.map(({ value }) => value), id),
  ];
  if (schedules) {
    statements.push(db.prepare('DELETE FROM deployment_schedules WHERE deployment_id = ?').bind(id));
    statements.push(
      ...insertStatements(
        db,
        'deployment_schedules',
        SCHEDULE_COLUMNS,
        schedules.map((s, position) => scheduleValues(id, position, s, deployment.paused, now)),
      ),
    );
  } else {
    statements.push(resetSchedules(db, id, deployment.paused, now));
  }
  await db.batch(statements);
}

/** Every schedule of the deployment starts over: its runs are regenerated from now by the next look. */
export function resetSchedules(
  db: D1Database,
  deploymentId: string,
  paused: boolean,
  now: Date,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE deployment_schedules SET scheduled_until = NULL,
         next_check_at = CASE WHEN active = 1 AND ?1 = 0 THEN 0 ELSE NULL END, updated = ?2
       WHERE deployment_id = ?3`,
    )
    .bind(paused ? 1 : 0, now.toISOString(), deploymentId);
}

export async function setDeploymentPaused(
  db: D1Database,
  id: string,
  paused: boolean,
  now: Date,
): Promise<void> {
  await db.batch([
    db
      .prepare('UPDATE deployments SET paused = ?, updated = ? WHERE id = ?')
      .bind(paused ? 1 : 0, now.toISOString(), id),
    resetSchedules(db, id, paused, now),
  ]);
}

export async function deleteDeployment(db: D1Database, id: string): Promise<void> {
  await db.batch([
    db.prepare('DELETE FROM deployments WHERE id = ?').bind(id),
    db.prepare('DELETE FROM deployment_schedules WHERE deployment_id = ?').bind(id),
    db.prepare('DELETE FROM webhooks WHERE deployment_id = ?').bind(id),
  ]);
}

// --- A deployment's schedules, one at a time ---

export async function addSchedules(
  db: D1Database,
  deploymentId: string,
  paused: boolean,
  schedules: ScheduleWrite[],
  now: Date,
): Promise<DeploymentSchedule[]> {
  const last = await db
    .prepare('SELECT max(position) AS p FROM deployment_schedules WHERE deployment_id = ?')
    .bind(deploymentId)
    .first<{ p: number | null }>();
  const start = (last?.p ?? -1) + 1;
  const rows = schedules.map((s, i) => scheduleValues(deploymentId, start + i, s, paused, now));
  await db.batch(insertStatements(db, 'deployment_schedules', SCHEDULE_COLUMNS, rows));
  const ids = rows.map((row) => row[0] as string);
  const { results } = await prepare(
    db,
    sql`SELECT * FROM deployment_schedules WHERE ${inList(sql.raw('id'), ids)} ORDER BY position`,
  ).all<ScheduleRow>();
  return results.map(toSchedule);
}

export async function readScheduleRow(
  db: D1Database,
  deploymentId: string,
  scheduleId: string,
): Promise<ScheduleRow | null> {
  return db
    .prepare('SELECT * FROM deployment_schedules WHERE id = ? AND deployment_id = ?')
    .bind(scheduleId, deploymentId)
    .first<ScheduleRow>();
}

/** Replaces one schedule's fields and starts it over (no watermark). */
export async function replaceSchedule(
  db: D1Database,
  scheduleId: string,
  schedule: ScheduleWrite,
  paused: boolean,
  now: Date,
): Promise<void> {
  await db
    .prepare(
      `UPDATE deployment_schedules SET schedule = ?, active = ?, parameters = ?, catchup = ?, max_active_runs = ?,
         scheduled_until = NULL, next_check_at = ?, updated = ? WHERE id = ?`,
    )
    .bind(
      JSON.stringify(schedule.schedule),
      schedule.active ? 1 : 0,
      JSON.stringify(schedule.parameters),
      schedule.catchup,
      schedule.max_active_runs,
      initialCheckAt(schedule.active, paused),
      now.toISOString(),
      scheduleId,
    )
    .run();
}

export async function deleteSchedule(db: D1Database, scheduleId: string): Promise<void> {
  await db.prepare('DELETE FROM deployment_schedules WHERE id = ?').bind(scheduleId).run();
}
