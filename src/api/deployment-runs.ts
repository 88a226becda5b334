// A run of a deployment, made by hand (create_flow_run) or by a webhook: parameters merged and checked,
// SCHEDULED at its time, the deployment's entrypoint, pool and concurrency limit copied onto it.
import type { Deployment, DeploymentFlowRunCreate, FlowRun } from 'edgeflow/protocol';
import { mergeParameters, runLimits, runParameterProblem } from '../domain/deployments';
import { createFlowRun } from '../durable/flow-run-creation';
import type { Env } from '../env';
import { invalid } from './deployment-writes';
import { flowNotFound } from './errors';

export async function createDeploymentRun(
  env: Env,
  deployment: Deployment,
  body: DeploymentFlowRunCreate,
  now: Date,
): Promise<{ created: boolean; run: FlowRun }> {
  const problem = runParameterProblem(deployment, body.parameters);
  if (problem) throw invalid(problem, 'flow_run.invalid_parameters');
  const scheduled_time = new Date(body.scheduled_time ?? now).toISOString();
  const result = await createFlowRun(
    env,
    {
      flow_id: deployment.flow_id,
      name: body.name,
      parameters: mergeParameters(deployment.parameters, body.parameters),
      tags: [...new Set([...deployment.tags, ...body.tags])],
      idempotency_key: body.idempotency_key,
      state: { type: 'SCHEDULED', name: 'Scheduled', state_details: { scheduled_time } },
      empirical_policy: body.empirical_policy,
      deployment_id: deployment.id,
      work_pool_name: deployment.work_pool_name ?? undefined,
      work_queue_name: body.work_queue_name ?? deployment.work_queue_name ?? undefined,
      entrypoint: deployment.entrypoint ?? undefined,
      parent_task_run_id: body.parent_task_run_id,
    },
    now,
    {
      flowKnown: true,
      concurrency: runLimits(deployment),
    },
  );
  if (result.kind === 'flow_not_found') throw flowNotFound(deployment.flow_id);
  return result;
}
