// A schedule's planned dates become runs: one createFlowRun each, keyed `scheduled {deployment} {schedule}
// {ISO time}`, so a repeated or concurrent tick lands on the run that already exists.
import type { FlowRunCreate } from 'edgeflow/protocol';
import type { DueSchedule } from '../db/scheduler';
import { mergeParameters, runLimits } from '../domain/deployments';
import { createFlowRun } from '../durable/flow-run-creation';
import type { Env } from '../env';

/** Prefect's idempotency key for auto-scheduled runs. */
export function scheduledRunKey(deploymentId: string, scheduleId: string, at: number): string {
  return `scheduled ${deploymentId} ${scheduleId} ${new Date(at).toISOString()}`;
}

const KEY = /^scheduled (\S+) (\S+) (\S+)$/;

export function parseScheduledRunKey(key: string): { deploymentId: string; scheduleId: string } | null {
  const match = KEY.exec(key);
  return match ? { deploymentId: match[1]!, scheduleId: match[2]! } : null;
}

/** Creates (or finds) the run of `due`'s schedule for `at`; true when it was new. */
export async function createScheduledRun(
  env: Env,
  due: DueSchedule,
  at: number,
  now: Date,
): Promise<boolean> {
  const scheduled_time = new Date(at).toISOString();
  const body: FlowRunCreate = {
    flow_id: due.flow_id,
    parameters: mergeParameters(JSON.parse(due.deployment_parameters), JSON.parse(due.parameters)),
    tags: ['auto-scheduled', ...(JSON.parse(due.tags) as string[])],
    idempotency_key: scheduledRunKey(due.deployment_id, due.id, at),
    state: { type: 'SCHEDULED', name: 'Scheduled', state_details: { scheduled_time } },
    deployment_id: due.deployment_id,
    work_pool_name: due.work_pool_name ?? undefined,
    work_queue_name: due.work_queue_name ?? undefined,
    entrypoint: due.entrypoint ?? undefined,
  };
  const result = await createFlowRun(env, body, now, {
    flowKnown: true,
    autoScheduled: true,
    concurrency: runLimits(
      { id: due.deployment_id, concurrency_limit: due.concurrency_limit, concurrency_options: due },
      due,
    ),
  });
  return result.kind === 'ok' && result.created;
}
