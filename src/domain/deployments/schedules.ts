// A deployment's schedules as they are written: each schedule normalised, and each schedule's runs'
// parameters (deployment ∪ schedule) checked against the deployment's schema when it is enforced.
import type { Catchup, DeploymentScheduleCreate } from 'edgeflow/protocol';
import { normaliseSchedule, type StoredSchedule, type WorkBudget } from '../schedules';
import { mergeParameters, type Parameters, parameterProblems } from './parameters';

export interface ScheduleDraft {
  schedule: StoredSchedule;
  active: boolean;
  parameters: Parameters;
  catchup: Catchup;
  max_active_runs: number | null;
}

/** What a schedule's runs are checked against. */
export interface ParameterContract {
  parameters: Parameters;
  parameter_openapi_schema: Parameters | null;
  enforce_parameter_schema: boolean;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * `prefix` is where the list sits in the request body (`schedules`, or '' for a bare list); `request`
 * is the schedule work budget the whole request shares (`requestScheduleBudget`).
 */
export function draftSchedules(
  items: DeploymentScheduleCreate[],
  contract: ParameterContract,
  now: Date,
  prefix: string,
  request: WorkBudget,
): { schedules: ScheduleDraft[] } | { problem: FieldProblem } {
  const schedules: ScheduleDraft[] = [];
  for (const [i, item] of items.entries()) {
    const at = `${prefix}[${i}]`;
    const normalised = normaliseSchedule(item.schedule, now, request);
    if ('problem' in normalised) {
      return {
        problem: { field: `${at}.schedule.${normalised.problem.field}`, message: normalised.problem.message },
      };
    }
    const problem = runParameterProblem(contract, item.parameters, `${at}.parameters`);
    if (problem) return { problem };
    schedules.push({
      schedule: normalised.schedule,
      active: item.active,
      parameters: item.parameters,
      catchup: item.catchup,
      max_active_runs: item.max_active_runs ?? null,
    });
  }
  return { schedules };
}

/** The first problem of a run's parameters (deployment defaults merged under `given`), when enforced. */
export function runParameterProblem(
  contract: ParameterContract,
  given: Parameters,
  prefix = 'parameters',
): FieldProblem | null {
  if (!contract.enforce_parameter_schema || !contract.parameter_openapi_schema) return null;
  const merged = mergeParameters(contract.parameters, given);
  return parameterProblems(contract.parameter_openapi_schema, merged, prefix)[0] ?? null;
}
