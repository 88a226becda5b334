// What every deployment write shares: the flow checked, schedules and parameters checked (422 naming
// the field) before anything is written, and afterwards the withdrawal the write committed finished and
// the deployment's first runs planned at once.
import type { Deployment, DeploymentCreate, DeploymentUpdate } from 'edgeflow/protocol';
import type { DeploymentWrite } from '../db/deployment-rows';
import type { ScheduleWrite } from '../db/deployment-schedules';
import type { FlowRef } from '../db/deployment-upserts';
import { readFlow } from '../db/flows';
import type { Withdrawal } from '../db/withdrawals';
import { type TriggerAutomation, triggerAutomations } from '../domain/automations';
import { draftSchedules, type FieldProblem, schemaProblem } from '../domain/deployments';
import { requestScheduleBudget, type WorkBudget, WriteRunBudget } from '../domain/schedules';
import type { Env } from '../env';
import { scheduleDueRuns } from '../scheduler/tick';
import { finishWithdrawals } from '../scheduler/withdraw';
import { ApiError } from './errors';

export const invalid = (problem: FieldProblem, code = 'deployment.invalid') =>
  new ApiError(422, code, `Invalid ${problem.field}: ${problem.message}`, problem.field);

/**
 * The deployment's flow, read but not written: a `flow_id` must exist (404 naming it); a `flow_name`
 * is created, if missing, in the same batch as the deployment.
 */
export async function flowOf(
  env: Env,
  body: Pick<DeploymentCreate, 'flow_id' | 'flow_name'>,
): Promise<FlowRef> {
  if (body.flow_id) {
    if (!(await readFlow(env.DB, body.flow_id))) {
      throw new ApiError(404, 'flow.not_found', `flow ${body.flow_id} not found`, 'flow_id');
    }
    return { id: body.flow_id };
  }
  return { name: body.flow_name! };
}

type Fields = Omit<DeploymentWrite, 'name'>;

function fields(body: DeploymentCreate | (DeploymentUpdate & Fields)): Fields {
  return {
    entrypoint: body.entrypoint ?? null,
    work_pool_name: body.work_pool_name ?? null,
    work_queue_name: body.work_queue_name ?? null,
    parameters: body.parameters ?? {},
    parameter_openapi_schema: body.parameter_openapi_schema ?? null,
    enforce_parameter_schema: body.enforce_parameter_schema ?? true,
    tags: [...new Set(body.tags ?? [])],
    description: body.description ?? null,
    version: body.version ?? null,
    paused: body.paused ?? false,
    concurrency_limit: body.concurrency_limit ?? null,
    concurrency_options:
      body.concurrency_limit == null
        ? null
        : {
            collision_strategy: body.concurrency_options?.collision_strategy ?? 'ENQUEUE',
            grace_period_seconds: body.concurrency_options?.grace_period_seconds ?? 300,
          },
    triggers: body.triggers ?? [],
    retention_days: body.retention_days ?? null,
  };
}

/**
 * The deployment, its schedules and its triggers' automations as they will be stored, or a 422 naming
 * the bad field.
 */
export function draftDeployment(
  name: string,
  body: DeploymentCreate | (DeploymentUpdate & Fields),
  schedules: DeploymentCreate['schedules'],
  now: Date,
  /** The request's schedule work budget: a bulk write shares one across its deployments. */
  scheduleWork: WorkBudget = requestScheduleBudget(),
): { deployment: DeploymentWrite; schedules: ScheduleWrite[]; triggers: TriggerAutomation[] } {
  const deployment: DeploymentWrite = { name, ...fields(body) };
  if (deployment.parameter_openapi_schema) {
    const problem = schemaProblem(deployment.parameter_openapi_schema);
    if (problem) throw invalid({ field: 'parameter_openapi_schema', message: problem });
  }
  const drafted = draftSchedules(schedules, deployment, now, 'schedules', scheduleWork);
  if ('problem' in drafted) throw invalid(drafted.problem);
  const triggers = triggerAutomations(name, deployment.triggers);
  if ('problem' in triggers) throw invalid(triggers.problem);
  return { deployment, schedules: drafted.schedules, triggers: triggers.automations };
}

/** A PATCH applied over the stored deployment: what is absent stays. */
export function mergedUpdate(existing: Deployment, patch: DeploymentUpdate): DeploymentUpdate & Fields {
  const {
    schedules: _schedules,
    id: _id,
    created: _c,
    updated: _u,
    name: _n,
    flow_id: _f,
    ...stored
  } = existing;
  return { ...stored, ...patch } as DeploymentUpdate & Fields;
}

/**
 * After a deployment or its schedules changed (the change and its withdrawals committed together):
 * the withdrawals are finished (the request's share of them) and, once they are closed, the first runs
 * are planned from now at once (the same code as the tick), so the change shows before the next tick.
 */
export async function regenerate(
  env: Env,
  deploymentId: string,
  withdrawals: Withdrawal[],
  now: Date,
): Promise<void> {
  // A withdrawal left open for the tick would take back what is planned now: the tick plans once it closes.
  if ((await withdrawOrRefuse(env, withdrawals, now)) === 'done') await planFirstRuns(env, deploymentId, now);
}

/**
 * Creates the deployment's due schedules' first runs (3 a schedule, 6 in all) and leaves the rest of
 * each plan due for the next tick: a write's cost stays bounded however dense its schedules
 * (docs/schedules.md, "Changes regenerate").
 */
export async function planFirstRuns(env: Env, deploymentId: string, now: Date): Promise<void> {
  await scheduleDueRuns(env, now, { deploymentId, budget: new WriteRunBudget() });
}

/**
 * Finishes the withdrawals a change committed. Runs that could not be withdrawn yet answer 503: the
 * change is saved, and a repeated request or the next scheduler tick finishes it (docs/deployments.md).
 */
export async function withdrawOrRefuse(
  env: Env,
  withdrawals: Withdrawal[],
  now: Date,
): Promise<'done' | 'deferred'> {
  const outcome = await finishWithdrawals(env, withdrawals, now);
  if (outcome.kind !== 'pending') return outcome.kind;
  throw new ApiError(
    503,
    'deployment.withdrawal_pending',
    `The change is saved, but ${outcome.unreached} of its unstarted runs could not be withdrawn yet; the next scheduler tick finishes it, or repeat the request.`,
  );
}
