// Carrying out one automation action (docs/automations.md): its target selected or inferred from the
// triggering event, its templates rendered over the event, its outcome returned for the action event.
// Runs are made through the same creation path as every other run, keyed by the firing so a retried
// action finds its run instead of making another.
import type { StateCreate } from 'edgeflow/protocol';
import { readAutomation, writeAutomation } from '../db/automations';
import { pauseDeployment, readDeployment, resumeDeployment } from '../db/deployments';
import { newEventStatements } from '../db/events';
import { updateWorkPool } from '../db/work-pools';
import {
  type Action,
  type ActionOutcome,
  inferredId,
  renderParameters,
  renderTemplate,
  type TemplateContext,
} from '../domain/automations';
import { mergeParameters, runParameterProblem } from '../domain/deployments';
import { lifecycleEvent } from '../domain/events';
import { deploymentLimitKey } from '../domain/orchestration';
import { suspendedByAutomation } from '../domain/runs/pauses';
import type { Env } from '../env';
import { createFlowRun } from './flow-run-creation';
import { flowRunObject } from './objects';

export interface ActionCall {
  action: Action;
  /** `automation/<firing>` and the action's index: the run-deployment idempotency key. */
  key: string;
  context: TemplateContext;
  event: Parameters<typeof inferredId>[0];
  now: Date;
}

const failed = (reason: string): ActionOutcome => ({ ok: false, details: { reason } });
const done = (details: Record<string, unknown> = {}): ActionOutcome => ({ ok: true, details });

function target(call: ActionCall, kind: string, selected: string | null | undefined): string | null {
  const source = 'source' in call.action ? call.action.source : 'inferred';
  return source === 'selected' ? (selected ?? null) : inferredId(call.event, kind);
}

async function runDeployment(env: Env, call: ActionCall & { action: { type: 'run-deployment' } }) {
  const id = target(call, 'deployment', call.action.deployment_id);
  if (!id) return failed('no deployment: none selected, and the triggering event names none');
  const deployment = await readDeployment(env.DB, id);
  if (!deployment) return failed(`deployment ${id} does not exist`);
  const parameters = renderParameters(call.action.parameters ?? {}, call.context) as Record<string, unknown>;
  const problem = runParameterProblem(deployment, parameters);
  if (problem) return failed(`parameters: ${problem.message}`);
  const at = call.now.toISOString();
  const limit = deployment.concurrency_limit;
  const result = await createFlowRun(
    env,
    {
      flow_id: deployment.flow_id,
      parameters: mergeParameters(deployment.parameters, parameters),
      tags: [...deployment.tags, 'automation'],
      idempotency_key: `automation ${call.key}`,
      state: { type: 'SCHEDULED', name: 'Scheduled', state_details: { scheduled_time: at } },
      deployment_id: deployment.id,
      work_pool_name: deployment.work_pool_name ?? undefined,
      work_queue_name: deployment.work_queue_name ?? undefined,
      entrypoint: deployment.entrypoint ?? undefined,
      job_variables: call.action.job_variables ?? undefined,
    } as never,
    call.now,
    {
      flowKnown: true,
      // The deployment's own limit, as on any run of it (src/scheduler/runs.ts, runLimits).
      concurrency:
        limit === null
          ? []
          : [
              {
                key: deploymentLimitKey(deployment.id),
                limit,
                collision_strategy: deployment.concurrency_options?.collision_strategy ?? 'ENQUEUE',
                lease_seconds: deployment.concurrency_options?.grace_period_seconds ?? 300,
              },
            ],
    },
  );
  if (result.kind !== 'ok') return failed(`the deployment's flow ${deployment.flow_id} does not exist`);
  return done({ flow_run_id: result.run.id, deployment_id: deployment.id });
}

async function flowRunState(
  env: Env,
  call: ActionCall,
  state: (current: string) => StateCreate,
  force: boolean,
) {
  const id = inferredId(call.event, 'flow-run');
  if (!id) return failed('the triggering event names no flow run');
  const run = flowRunObject(env, id);
  const current = await run.read();
  if (!current) return failed(`flow run ${id} does not exist`);
  const reply = await run.setState({ state: state(current.state_type ?? ''), force });
  if (reply.kind !== 'ok') return failed(`flow run ${id}: ${reply.kind}`);
  if (reply.result.status !== 'ACCEPT')
    return failed(`flow run ${id}: the state was not accepted (${reply.result.status})`);
  return done({ flow_run_id: id });
}

async function post(url: string, headers: Record<string, string>, body: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  if (!response.ok) return failed(`${url} answered ${response.status}`);
  return done({ status_code: response.status });
}

async function setAutomationEnabled(env: Env, call: ActionCall, id: string | null, enabled: boolean) {
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

async function setPoolPaused(
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
  return done({ work_pool_name: name });
}

/**
 * Pauses or resumes a deployment in D1 with its lifecycle event. The pause records the withdrawal of
 * its unstarted runs and the resume makes its schedules due: the scheduler's next tick carries both
 * out (the API does it at once, from a floor above this one).
 */
async function setDeploymentPaused(
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

/** Carries out one action; a thrown error is an outcome too, so one action never stops the next. */
export async function executeAction(env: Env, call: ActionCall): Promise<ActionOutcome> {
  const { action, context } = call;
  try {
    switch (action.type) {
      case 'do-nothing':
        return done();
      case 'run-deployment':
        return await runDeployment(env, { ...call, action });
      case 'cancel-flow-run':
        return await flowRunState(
          env,
          call,
          (current) =>
            ['RUNNING', 'PENDING'].includes(current)
              ? { type: 'CANCELLING', name: 'Cancelling' }
              : { type: 'CANCELLED', name: 'Cancelled' },
          false,
        );
      case 'change-flow-run-state':
        return await flowRunState(
          env,
          call,
          () =>
            ({
              type: action.state,
              name: action.name ?? undefined,
              message: action.message ? renderTemplate(action.message, context) : undefined,
            }) as StateCreate,
          action.force,
        );
      case 'suspend-flow-run':
        return await flowRunState(env, call, () => suspendedByAutomation(call.now), false);
      case 'resume-flow-run': {
        const id = inferredId(call.event, 'flow-run');
        if (!id) return failed('the triggering event names no flow run');
        const reply = await flowRunObject(env, id).resume();
        return reply.kind === 'ok' ? done({ flow_run_id: id }) : failed(`flow run ${id}: ${reply.kind}`);
      }
      case 'pause-automation':
      case 'resume-automation':
        return await setAutomationEnabled(
          env,
          call,
          target(call, 'automation', action.automation_id),
          action.type === 'resume-automation',
        );
      case 'pause-deployment':
      case 'resume-deployment':
        return await setDeploymentPaused(env, call, action.deployment_id, action.type === 'pause-deployment');
      case 'pause-work-pool':
      case 'resume-work-pool':
        return await setPoolPaused(env, call, action.work_pool_id, action.type === 'pause-work-pool');
      case 'call-webhook':
        return await post(action.url, action.headers, renderTemplate(action.payload, context));
      case 'send-notification': {
        const subject = renderTemplate(action.subject, context);
        const body = renderTemplate(action.body, context);
        const json =
          action.format === 'slack'
            ? { text: `*${subject}*\n${body}` }
            : { subject, body, event: context.event };
        return await post(action.url, action.headers, JSON.stringify(json));
      }
      default:
        return failed(`${(action as { type: string }).type} is not supported yet`);
    }
  } catch (error) {
    return failed(error instanceof Error ? error.message : String(error));
  }
}
