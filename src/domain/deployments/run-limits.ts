// The concurrency limits a new run of a deployment is subject to, copied onto the run when it is made:
// the deployment's own limit (docs/deployments.md) and, for a scheduled run, its schedule's max_active_runs.
import {
  type CollisionStrategy,
  deploymentLimitKey,
  type RunConcurrencyLimit,
  scheduleLimitKey,
} from '../orchestration';

/** A deployment's limit as stored: options left unset take Prefect's defaults (ENQUEUE, 300 s). */
export interface DeploymentLimits {
  id: string;
  concurrency_limit: number | null;
  concurrency_options?: {
    collision_strategy?: string | null;
    grace_period_seconds?: number | null;
  } | null;
}

/** The limits a run of this deployment (and schedule, when a schedule made it) is subject to. */
export function runLimits(
  deployment: DeploymentLimits,
  schedule: { id: string; max_active_runs: number | null } | null = null,
): RunConcurrencyLimit[] {
  const limits: RunConcurrencyLimit[] = [];
  if (deployment.concurrency_limit !== null) {
    const options = deployment.concurrency_options;
    limits.push({
      key: deploymentLimitKey(deployment.id),
      limit: deployment.concurrency_limit,
      collision_strategy: (options?.collision_strategy ?? 'ENQUEUE') as CollisionStrategy,
      lease_seconds: options?.grace_period_seconds ?? 300,
    });
  }
  if (schedule?.max_active_runs != null) {
    limits.push({
      key: scheduleLimitKey(schedule.id),
      limit: schedule.max_active_runs,
      collision_strategy: 'SKIP',
      lease_seconds: 300,
    });
  }
  return limits;
}
