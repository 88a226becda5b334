// Pause and resume actions (docs/automations.md, "Actions"): a deployment, a work pool, a work queue or
// an automation, each written to D1 with its lifecycle event in the same batch.
import { readAutomation, writeAutomation } from '../db/automations';
import { pauseDeployment, readDeployment, resumeDeployment } from '../db/deployments';
import { newEventStatements } from '../db/events';
import { readPoolConfig, updateWorkPool } from '../db/work-pools';
import { readWorkQueue, readWorkQueueById, updateWorkQueue } from '../db/work-queues';
import { inferredId } from '../domain/automations';
import { lifecycleEvent, workQueueEvent } from '../domain/events';
import type { Env } from '../env';
import { type ActionCall, done, failed, target } from './action-call';
import { workPoolObject } from './objects';

/**
 * The pool's object dispatches from its own copy of the configuration (read from D1 only when it has
 * none): a pause or resume written to D1 reaches its claims only once it is handed the new copy.
 */
async function syncPool(env: Env, pool: string) {
  await workPoolObject(env, pool).configure(await readPoolConfig(env.DB, pool));
}

export async function setAutomationEnabled(env: Env, call: ActionCall, id: string | null, enabled: boolean) {
  const automationId = id ?? call.context.automation.id;
  const current = await readAutomation(env.DB, automationId);
  if (!current) return failed(`automation ${automationId} does not exist`);
  const next = { ...current, enabled, updated: call.now.toISOString() };
  const actions =
    current.enabled === enabled
      ? ['updated' as const]
      : (['updated', enabled ? 'resumed' : 'paused'] as const);
  const events = actions.map((action) =>
    lifecycleEvent({ kind: 'automation', id: current.id, name: current.name }, action, {
      id: crypto.randomUUID(),
      occurred: call.now,
    }),
  );
  await writeAutomation(env.DB, next, events, call.now);
  return done({ automation_id: automationId });
}

export async function setPoolPaused(
  env: Env,
  call: ActionCall,
  selected: string | null | undefined,
  paused: boolean,
) {
  const name = target(call, 'work-pool', selected);
  if (!name) return failed('no work pool: none selected, and the triggering event names none');
  const event = lifecycleEvent({ kind: 'work-pool', id: name, name }, paused ? 'paused' : 'resumed', {
    id: crypto.randomUUID(),
    occurred: call.now,
  });
  if (!(await updateWorkPool(env.DB, name, { paused }, call.now, [event])))
    return failed(`work pool ${name} does not exist`);
  await syncPool(env, name);
  return done({ work_pool_name: name });
}

/**
 * Pauses or resumes a deployment in D1 with its lifecycle event. The pause records the withdrawal of
 * its unstarted runs and the resume makes its schedules due: the scheduler's next tick carries both
 * out (the API does it at once, from a floor above this one).
 */
export async function setDeploymentPaused(
  env: Env,
  call: ActionCall,
  selected: string | null | undefined,
  paused: boolean,
) {
  const id = target(call, 'deployment', selected);
  if (!id) return failed('no deployment: none selected, and the triggering event names none');
  const deployment = await readDeployment(env.DB, id);
  if (!deployment) return failed(`deployment ${id} does not exist`);
  const flow = {
    'prefect.resource.id': `prefect.flow.${deployment.flow_id}`,
    'prefect.resource.role': 'flow',
  };
  const event = lifecycleEvent(
    { kind: 'deployment', id, name: deployment.name },
    paused ? 'paused' : 'resumed',
    { id: crypto.randomUUID(), occurred: call.now },
    [flow],
  );
  const events = newEventStatements(env.DB, [event], call.now);
  if (paused) await pauseDeployment(env.DB, id, call.now, events);
  else await resumeDeployment(env.DB, id, call.now, events);
  return done({ deployment_id: id });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The queue an action means: the selected queue id, or, inferred, the triggering event's
 * `prefect.work-queue.*` resource. Flow-run events name the queue by name (docs/events.md), which is
 * unique only within its pool, so a name is looked up in the event's `prefect.work-pool.*`.
 */
async function queueOf(env: Env, call: ActionCall, selected: string | null | undefined) {
  const ref = target(call, 'work-queue', selected);
  if (!ref) return null;
  if (UUID.test(ref)) {
    const byId = await readWorkQueueById(env.DB, ref, call.now);
    if (byId) return byId;
  }
  const pool = inferredId(call.event, 'work-pool');
  return pool ? readWorkQueue(env.DB, pool, ref, call.now) : null;
}

/** Pauses or resumes a work queue; its pool's object is handed the change at once. */
export async function setQueuePaused(
  env: Env,
  call: ActionCall,
  selected: string | null | undefined,
  paused: boolean,
) {
  const queue = await queueOf(env, call, selected);
  if (!queue)
    return failed('no such work queue: none selected, or the triggering event names none that exists');
  const pool = queue.work_pool_name;
  const event = workQueueEvent(pool, queue.name, paused ? 'paused' : 'resumed', {
    id: crypto.randomUUID(),
    occurred: call.now,
  });
  if (!(await updateWorkQueue(env.DB, pool, queue.name, { paused }, call.now, [event])))
    return failed(`work queue ${pool}/${queue.name} does not exist`);
  await syncPool(env, pool);
  return done({ work_queue_id: queue.id, work_pool_name: pool, work_queue_name: queue.name });
}
