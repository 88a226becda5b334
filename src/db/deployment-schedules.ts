// A deployment's schedules in D1: their rows, written with their deployment or one at a time, and the
// resets that make the scheduler look at them again after a change.
import { sql } from 'drizzle-orm';
import type { Catchup, DeploymentSchedule, Schedule } from 'edgeflow/protocol';
import type { StoredSchedule } from '../domain/schedules';
import { inList } from './filters';
import { insertStatements, prepare } from './statements';
import { recordWithdrawal, type Withdrawal } from './withdrawals';

/** A schedule as written: the schedule normalised (anchor, DTSTART), defaults applied. */
export interface ScheduleWrite {
  schedule: StoredSchedule;
  active: boolean;
  parameters: Record<string, unknown>;
  catchup: Catchup;
  max_active_runs: number | null;
}

export const SCHEDULE_COLUMNS = [
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

/**
 * When the scheduler should next look at a schedule that was just written: at once (0 is due for any
 * tick, whatever its instant), unless the schedule needs nothing (inactive, or its deployment paused).
 */
export function initialCheckAt(active: boolean, paused: boolean): number | null {
  return active && !paused ? 0 : null;
}

export function scheduleValues(
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

/**
 * Replaces one schedule's fields and starts it over (no watermark), and records the withdrawal of its
 * runs due after now: one batch.
 */
export async function replaceSchedule(
  db: D1Database,
  deploymentId: string,
  scheduleId: string,
  schedule: ScheduleWrite,
  paused: boolean,
  now: Date,
): Promise<Withdrawal> {
  const { withdrawal, statement } = recordWithdrawal(
    db,
    { deployment_id: deploymentId, schedule_id: scheduleId, after: now.toISOString() },
    now,
  );
  await db.batch([
    db
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
      ),
    statement,
  ]);
  return withdrawal;
}

/** Deletes one schedule and records the withdrawal of all its unstarted runs: one batch. */
export async function deleteSchedule(
  db: D1Database,
  deploymentId: string,
  scheduleId: string,
  now: Date,
): Promise<Withdrawal> {
  const { withdrawal, statement } = recordWithdrawal(
    db,
    { deployment_id: deploymentId, schedule_id: scheduleId, after: null },
    now,
  );
  await db.batch([db.prepare('DELETE FROM deployment_schedules WHERE id = ?').bind(scheduleId), statement]);
  return withdrawal;
}
