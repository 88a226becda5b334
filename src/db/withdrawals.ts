// Withdrawals in D1: the promise a deployment change writes in its own batch to take back the unstarted
// runs its schedules made, the candidates the index names for it, and its closing once they are gone.

/** A pending withdrawal, as stored (docs/deployments.md, "All or nothing"). */
export interface Withdrawal {
  id: string;
  deployment_id: string;
  /** One schedule's runs; null: every schedule's. */
  schedule_id: string | null;
  /** Only runs due after this instant (ISO); null: every unstarted run, past-due ones too. */
  after: string | null;
}

/** The withdrawal a change commits with its other writes (same `db.batch`), and the statement. */
export function recordWithdrawal(
  db: D1Database,
  scope: Omit<Withdrawal, 'id'>,
  now: Date,
): { withdrawal: Withdrawal; statement: D1PreparedStatement } {
  const withdrawal = { id: crypto.randomUUID(), ...scope };
  const statement = db
    .prepare(
      'INSERT INTO deployment_withdrawals (id, deployment_id, schedule_id, after, created) VALUES (?, ?, ?, ?, ?)',
    )
    .bind(
      withdrawal.id,
      withdrawal.deployment_id,
      withdrawal.schedule_id,
      withdrawal.after,
      now.toISOString(),
    );
  return { withdrawal, statement };
}

export async function readWithdrawals(db: D1Database, ids: string[]): Promise<Withdrawal[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT id, deployment_id, schedule_id, after FROM deployment_withdrawals
       WHERE id IN (SELECT value FROM json_each(?))`,
    )
    .bind(JSON.stringify(ids))
    .all<Withdrawal>();
  return results;
}

/** The oldest withdrawals still open: those whose request failed or died before finishing them. */
export async function openWithdrawals(db: D1Database, limit: number): Promise<Withdrawal[]> {
  const { results } = await db
    .prepare(
      'SELECT id, deployment_id, schedule_id, after FROM deployment_withdrawals ORDER BY created, id LIMIT ?',
    )
    .bind(limit)
    .all<Withdrawal>();
  return results;
}

/**
 * Runs the withdrawal may take: the deployment's (or schedule's) runs the scheduler keyed, SCHEDULED
 * as Scheduled or Late. Columns only: a run's document holds caller JSON that SQLite may be unable to
 * parse (too deep), so the run object, which holds the document, makes the final check.
 */
export interface WithdrawalCandidate {
  id: string;
  /** When the run is due (epoch ms); null when the index has no time for it. */
  due_at: number | null;
}

/** The candidates, soonest first. */
export async function withdrawalCandidates(
  db: D1Database,
  withdrawal: Withdrawal,
): Promise<WithdrawalCandidate[]> {
  const keyPrefix = withdrawal.schedule_id
    ? `scheduled ${withdrawal.deployment_id} ${withdrawal.schedule_id} `
    : `scheduled ${withdrawal.deployment_id} `;
  const { results } = await db
    .prepare(
      `SELECT id, next_scheduled_start_time AS due FROM flow_runs
       WHERE deployment_id = ?1 AND state_type = 'SCHEDULED' AND state_name IN ('Scheduled', 'Late')
         AND substr(idempotency_key, 1, length(?2)) = ?2
         AND (?3 IS NULL OR next_scheduled_start_time > ?3)
       ORDER BY next_scheduled_start_time, id`,
    )
    .bind(withdrawal.deployment_id, keyPrefix, withdrawal.after)
    .all<{ id: string; due: string | null }>();
  return results.map((row) => ({ id: row.id, due_at: row.due === null ? null : Date.parse(row.due) }));
}

/**
 * Closes a withdrawal whose runs are gone, and starts its schedules over in the same batch: a tick
 * that planned runs between the change and the withdrawal saw them withdrawn, so the next look plans
 * from now again (a paused deployment's schedules stay unchecked).
 */
export async function closeWithdrawal(db: D1Database, withdrawal: Withdrawal, now: Date): Promise<void> {
  await db.batch([
    db
      .prepare(
        `UPDATE deployment_schedules SET scheduled_until = NULL, updated = ?1,
           next_check_at = CASE WHEN active = 1
             AND (SELECT paused FROM deployments d WHERE d.id = deployment_id) = 0 THEN 0 ELSE NULL END
         WHERE deployment_id = ?2 AND (?3 IS NULL OR id = ?3)`,
      )
      .bind(now.toISOString(), withdrawal.deployment_id, withdrawal.schedule_id),
    db.prepare('DELETE FROM deployment_withdrawals WHERE id = ?').bind(withdrawal.id),
  ]);
}
