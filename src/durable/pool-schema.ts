// The work pool object's SQLite tables, created on first use: its config copy, the runs it knows
// with their leases (and tombstones), its workers, and the leases each recent claim handed out.
export const POOL_SCHEMA = `
CREATE TABLE IF NOT EXISTS config (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, version INTEGER NOT NULL, queue TEXT NOT NULL, status TEXT NOT NULL,
  state_type TEXT, state_name TEXT, due_at INTEGER, late_at INTEGER, skipped INTEGER NOT NULL DEFAULT 0,
  lease_id TEXT, agent TEXT, lease_interval_s INTEGER, lease_deadline INTEGER, gone_at INTEGER
);
CREATE INDEX IF NOT EXISTS runs_due ON runs (status, due_at);
CREATE INDEX IF NOT EXISTS runs_late ON runs (late_at);
CREATE INDEX IF NOT EXISTS runs_lease ON runs (lease_deadline);
CREATE INDEX IF NOT EXISTS runs_agent ON runs (agent);
CREATE INDEX IF NOT EXISTS runs_gone ON runs (gone_at);
CREATE TABLE IF NOT EXISTS workers (name TEXT PRIMARY KEY, last_heartbeat INTEGER NOT NULL, interval_s INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS claims (
  agent TEXT NOT NULL, claim_id TEXT NOT NULL, run_id TEXT NOT NULL, lease_id TEXT NOT NULL,
  claimed_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (agent, claim_id, run_id)
);
CREATE INDEX IF NOT EXISTS claims_expiry ON claims (expires_at);
`;
