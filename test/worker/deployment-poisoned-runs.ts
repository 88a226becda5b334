// Runs as code before the edge's depth limit accepted them: parameters nested deeper than SQLite's JSON
// functions read (1,000 levels), written through their run object so the object and the index agree.
import { env } from 'cloudflare:workers';
import type { Deployment, FlowRun, FlowRunCreate } from 'edgeflow/protocol';
import { type CreateFlowRunOptions, createFlowRun } from '../../src/durable/flow-run-creation';
import { scheduledRunKey } from '../../src/scheduler/runs';

/** Deeper than SQLite's JSON parser goes: json_extract on a document holding it fails. */
const DEPTH = 1000;

function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = { down: value };
  return value;
}

/** A run of `deployment` whose parameters are nested DEPTH levels deep, created through its object. */
async function deepRun(
  deployment: Deployment,
  fields: Partial<FlowRunCreate>,
  options: CreateFlowRunOptions,
): Promise<FlowRun> {
  const created = await createFlowRun(
    env,
    {
      flow_id: deployment.flow_id,
      deployment_id: deployment.id,
      work_pool_name: deployment.work_pool_name ?? undefined,
      entrypoint: deployment.entrypoint ?? undefined,
      parameters: { payload: nested(DEPTH) },
      tags: [],
      ...fields,
    },
    new Date(),
    { flowKnown: true, ...options },
  );
  if (created.kind !== 'ok') throw new Error('the deployment’s flow is missing');
  return created.run;
}

/** A run made by hand from the deployment (as create_flow_run does), SCHEDULED now in its pool. */
export function deepRunByHand(deployment: Deployment): Promise<FlowRun> {
  return deepRun(deployment, {}, {});
}

/**
 * A run of the deployment's first schedule at `at` (epoch ms), as the scheduler makes them, whose
 * parameters came from a deployment stored with deep parameters.
 */
export function deepScheduledRun(deployment: Deployment, at: number): Promise<FlowRun> {
  const scheduled_time = new Date(at).toISOString();
  return deepRun(
    deployment,
    {
      tags: ['auto-scheduled'],
      idempotency_key: scheduledRunKey(deployment.id, deployment.schedules[0]!.id, at),
      state: { type: 'SCHEDULED', name: 'Scheduled', state_details: { scheduled_time } },
    },
    { autoScheduled: true },
  );
}
