// The log line a run gets when a lease it held lapsed and its slots were taken back.
import type { LeaseHolder, LogCreate } from 'edgeflow/protocol';

/** Python's WARNING, as Prefect's levels go. */
const WARNING = 30;

export function leaseLapsedLogs(
  limitName: string,
  leases: readonly { lease_id: string; slots: number; holder: LeaseHolder | null }[],
  timestamp: string,
): LogCreate[] {
  const logs: LogCreate[] = [];
  for (const { lease_id, slots, holder } of leases) {
    const flowRunId = holder?.type === 'flow_run' ? holder.id : holder?.flow_run_id;
    if (!holder || !flowRunId) continue;
    logs.push({
      flow_run_id: flowRunId,
      task_run_id: holder.type === 'task_run' ? holder.id : null,
      level: WARNING,
      name: 'edgeflow.concurrency',
      message:
        `Concurrency lease ${lease_id} on limit "${limitName}" lapsed without renewal; ` +
        `its ${slots} slot(s) were taken back.`,
      timestamp,
    });
  }
  return logs;
}
