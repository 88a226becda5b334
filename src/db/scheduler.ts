// The scheduler's reads and writes: schedules whose horizon is short (an index range, so a tick costs
// what is due), their watermarks in one statement per 20 schedules, and the runs it looks after.
import { sql } from 'drizzle-orm';
import { inList } from './filters';
import { prepare } from './statements';

/** A due schedule with what its runs copy from the deployment. */
export interface DueSchedule {
  id: string;
  deployment_id: string;
  schedule: string;
  parameters: string;
  max_active_runs: number | null;
  scheduled_until: number | null;
  next_check_at: number;
  updated: string;
  flow_id: string;
  entrypoint: string | null;
  work_pool_name: string | null;
  work_queue_name: string | null;
  deployment_parameters: string;
  tags: string;
  concurrency_limit: number | null;
  collision_strategy: string | null;
  grace_period_seconds: number | null;
}

const DUE_COLUMNS = `s.id, s.deployment_id, s.schedule, s.parameters, s.max_active_runs, s.scheduled_until,
  s.next_check_at, s.updated, d.flow_id, d.entrypoint, d.work_pool_name, d.work_queue_name,
  d.parameters AS deployment_parameters, d.tags, d.concurrency_limit, d.collision_strategy, d.grace_period_seconds`;

/**
 * Schedules due by `now`, in (next_check_at, id) order after `after`: keyset pages over the
 * next_check_at index. With `deploymentId`, that deployment's only, through its own index.
 */
export async function dueSchedules(
  db: D1Database,
  now: number,
  after: { at: number; id: string } | null,
  limit: number,
  deploymentId: string | null = null,
): Promise<DueSchedule[]> {
  const scope = deploymentId === null ? '' : 'AND s.deployment_id = ?5';
  const { results } = await db
    .prepare(
      `SELECT ${DUE_COLUMNS}
       FROM deployment_schedules s JOIN deployments d ON d.id = s.deployment_id
       WHERE s.next_check_at <= ?1 AND (s.next_check_at, s.id) > (?2, ?3)
         AND s.active = 1 AND d.paused = 0 ${scope}
       ORDER BY s.next_check_at, s.id LIMIT ?4`,
    )
    .bind(...[now, after?.at ?? -1, after?.id ?? '', limit, ...(deploymentId === null ? [] : [deploymentId])])
    .all<DueSchedule>();
  return results;
}

export interface Watermark {
  id: string;
  /** The row's `updated` when it was read: a schedule changed meanwhile keeps its reset. */
  updated: string;
  scheduled_until: number | null;
  next_check_at: number;
}

const WATERMARKS_PER_STATEMENT = 25;

export async function writeWatermarks(db: D1Database, marks: Watermark[]): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  for (let start = 0; start < marks.length; start += WATERMARKS_PER_STATEMENT) {
    const chunk = marks.slice(start, start + WATERMARKS_PER_STATEMENT);
    statements.push(
      db
        .prepare(
          `UPDATE deployment_schedules AS s SET scheduled_until = v.column2, next_check_at = v.column3
           FROM (VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}) AS v
           WHERE s.id = v.column1 AND s.updated = v.column4`,
        )
        .bind(...chunk.flatMap((m) => [m.id, m.scheduled_until, m.next_check_at, m.updated])),
    );
  }
  if (statements.length > 0) await db.batch(statements);
}

export interface LateRun {
  id: string;
  idempotency_key: string;
  due: string;
}

/**
 * Runs the scheduler keyed, still SCHEDULED (as Scheduled or Late) and due before `cutoff`: the range
 * of the (state_type, next_scheduled_start_time) index that holds exactly the missed runs. Columns
 * only (a document may be too deep for SQLite's JSON); the run object checks it was auto-scheduled.
 */
export async function lateAutoScheduledRuns(
  db: D1Database,
  cutoff: string,
  limit: number,
): Promise<LateRun[]> {
  const { results } = await db
    .prepare(
      `SELECT id, idempotency_key, next_scheduled_start_time AS due FROM flow_runs
       WHERE state_type = 'SCHEDULED' AND next_scheduled_start_time < ?1
         AND state_name IN ('Scheduled', 'Late') AND idempotency_key LIKE 'scheduled %'
       ORDER BY next_scheduled_start_time DESC LIMIT ?2`,
    )
    .bind(cutoff, limit)
    .all<LateRun>();
  return results;
}

export async function catchupSettings(
  db: D1Database,
  scheduleIds: string[],
): Promise<{ id: string; catchup: string; max_active_runs: number | null }[]> {
  if (scheduleIds.length === 0) return [];
  const { results } = await prepare(
    db,
    sql`SELECT id, catchup, max_active_runs FROM deployment_schedules WHERE ${inList(sql.raw('id'), scheduleIds)}`,
  ).all<{ id: string; catchup: string; max_active_runs: number | null }>();
  return results;
}
