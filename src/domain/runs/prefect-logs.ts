// Logs in the shape Prefect's client validates: a UUID id, which Edgeflow's own log shape gives to its
// arrival-order cursor instead (docs/prefect-compat.md, "Logs").
import type { Log, PrefectLog } from 'edgeflow/protocol';

/** A line stored before lines had keys gets a stable UUID made from its arrival number. */
function idOf(log: Log): string {
  return log.key ?? `00000000-0000-4000-8000-${log.id.toString(16).padStart(12, '0')}`;
}

export function prefectLog(log: Log): PrefectLog {
  return {
    id: idOf(log),
    created: log.timestamp,
    updated: log.timestamp,
    name: log.name,
    level: log.level,
    message: log.message,
    timestamp: log.timestamp,
    flow_run_id: log.flow_run_id,
    task_run_id: log.task_run_id,
  };
}
