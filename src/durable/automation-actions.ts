// Carrying out one automation action (docs/automations.md): its target selected or inferred from the
// triggering event, its templates rendered over the event, its outcome returned for the action event.
// Runs are made through the same creation path as every other run, keyed by the firing so a retried
// action finds its run instead of making another.
import type { StateCreate } from 'edgeflow/protocol';
import { readDeployment } from '../db/deployments';
import { type ActionOutcome, inferredId, renderParameters, renderTemplate } from '../domain/automations';
import { mergeParameters, runLimits, runParameterProblem } from '../domain/deployments';
import { suspendedByAutomation } from '../domain/runs/pauses';
import type { Env } from '../env';
import { type ActionCall, done, failed, target } from './action-call';
import {
  setAutomationEnabled,
  setDeploymentPaused,
  setPoolPaused,
  setQueuePaused,
} from './automation-pauses';
import { createFlowRun } from './flow-run-creation';
import { flowRunObject } from './objects';

export type { ActionCall } from './action-call';

async function runDeployment(env: Env, call: ActionCall & { action: { type: 'run-deployment' } }) {
  const id = target(call, 'deployment', call.action.deployment_id);
  if (!id) return failed('no deployment: none selected, and the triggering event names none');
  const deployment = await readDeployment(env.DB, id);
  if (!deployment) return failed(`deployment ${id} does not exist`);
  const parameters = renderParameters(call.action.parameters ?? {}, call.context) as Record<string, unknown>;
  const problem = runParameterProblem(deployment, parameters);
  if (problem) return failed(`parameters: ${problem.message}`);
  const at = call.now.toISOString();
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
      // The deployment's own limit, as on any run of it.
      concurrency: runLimits(deployment),
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
      case 'pause-work-queue':
      case 'resume-work-queue':
        return await setQueuePaused(env, call, action.work_queue_id, action.type === 'pause-work-queue');
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
