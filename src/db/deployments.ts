// Deployments in D1: reads, filters, changes, pauses and deletes, each change one batch with the
// withdrawal it owes. Upserts are deployment-upserts.ts; a row's columns deployment-rows.ts; the
// schedules' own rows deployment-schedules.ts.
import { and, type SQL, sql } from 'drizzle-orm';
import type { Deployment, DeploymentFilterBody } from 'edgeflow/protocol';
import {
  DEPLOYMENT_FIELDS,
  type DeploymentRow,
  type DeploymentWrite,
  deploymentValues,
  toDeployment,
} from './deployment-rows';
import {
  resetSchedules,
  SCHEDULE_COLUMNS,
  type ScheduleRow,
  type ScheduleWrite,
  scheduleValues,
} from './deployment-schedules';
import { flowConditions, inList, likeSubstring } from './filters';
import { insertStatements, prepare } from './statements';
import { recordWithdrawal, type Withdrawal } from './withdrawals';

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
 * Writes a changed deployment (and, when given, its new schedules), has the scheduler start its
 * schedules over (no watermark, due now unless paused or inactive), and records the withdrawal of its
 * unstarted runs (all of them, or those due after now): one batch.
 */
export async function updateDeployment(
  db: D1Database,
  id: string,
  deployment: DeploymentWrite,
  schedules: ScheduleWrite[] | undefined,
  options: { withdraw: 'future' | 'all' },
  now: Date,
  /** Its events (docs/events.md) and trigger automations, stored in the same batch. */
  events: D1PreparedStatement[] = [],
): Promise<Withdrawal> {
  const at = now.toISOString();
  const values = deploymentValues(deployment, at);
  const sets = DEPLOYMENT_FIELDS.map((column, i) => ({ column, value: values[i] })).filter(
    ({ column }) => column !== 'created',
  );
  const { withdrawal, statement } = recordWithdrawal(
    db,
    { deployment_id: id, schedule_id: null, after: options.withdraw === 'future' ? at : null },
    now,
  );
  const statements = [
    db
      .prepare(`UPDATE deployments SET ${sets.map(({ column }) => `${column} = ?`).join(', ')} WHERE id = ?`)
      .bind(...sets.map(({ value }) => value), id),
    statement,
    ...events,
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
  return withdrawal;
}

function setPaused(db: D1Database, id: string, paused: boolean, now: Date): D1PreparedStatement[] {
  return [
    db
      .prepare('UPDATE deployments SET paused = ?, updated = ? WHERE id = ?')
      .bind(paused ? 1 : 0, now.toISOString(), id),
    resetSchedules(db, id, paused, now),
  ];
}

/** Pauses the deployment, stops its schedules and records the withdrawal of all its unstarted runs. */
export async function pauseDeployment(
  db: D1Database,
  id: string,
  now: Date,
  events: D1PreparedStatement[] = [],
): Promise<Withdrawal> {
  const { withdrawal, statement } = recordWithdrawal(
    db,
    { deployment_id: id, schedule_id: null, after: null },
    now,
  );
  await db.batch([...setPaused(db, id, true, now), statement, ...events]);
  return withdrawal;
}

/** Resumes the deployment: its schedules are due at once. */
export async function resumeDeployment(
  db: D1Database,
  id: string,
  now: Date,
  events: D1PreparedStatement[] = [],
): Promise<void> {
  await db.batch([...setPaused(db, id, false, now), ...events]);
}

/** Deletes the deployment, its schedules and webhooks, and records the withdrawal of its unstarted runs. */
export async function deleteDeployment(
  db: D1Database,
  id: string,
  now: Date,
  events: D1PreparedStatement[] = [],
): Promise<Withdrawal> {
  const { withdrawal, statement } = recordWithdrawal(
    db,
    { deployment_id: id, schedule_id: null, after: null },
    now,
  );
  await db.batch([
    db.prepare('DELETE FROM deployments WHERE id = ?').bind(id),
    db.prepare('DELETE FROM deployment_schedules WHERE deployment_id = ?').bind(id),
    db.prepare('DELETE FROM webhooks WHERE deployment_id = ?').bind(id),
    statement,
    ...events,
  ]);
  return withdrawal;
}
