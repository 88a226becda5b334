// Entry point for task runs: one proposed transition through the task policy, plus its cache record.
import { type Policy, runPolicy } from './pipeline';
import { defaultPolicy, type TaskPolicyName, taskPolicy } from './policies';
import type { TaskRuleInputs } from './task-rules';
import { TASK_RUN_TRANSFORMS } from './transforms';
import type { TaskRunSnapshot, TaskTransitionInput, TaskTransitionOutcome } from './types';

export interface TaskOrchestrationOptions<Extra extends object = object> {
  /** A named policy or an explicit rule list; defaults to 'minimal' when forced, 'core' otherwise. */
  policy?: TaskPolicyName | Policy<TaskRunSnapshot, TaskRuleInputs & Extra>;
  /** Inputs for rules beyond the core ones (for example tag concurrency limits). */
  extra?: Extra;
}

export function orchestrateTaskRun<Extra extends object = object>(
  input: TaskTransitionInput,
  options: TaskOrchestrationOptions<Extra> = {},
): TaskTransitionOutcome {
  const policy = options.policy ?? defaultPolicy(input.force);
  const { effects, ...outcome } = runPolicy({
    rules: typeof policy === 'string' ? taskPolicy(policy) : policy,
    transforms: TASK_RUN_TRANSFORMS,
    run: input.run,
    proposed: input.proposed,
    clock: input.clock,
    extra: { ...(options.extra as Extra), flowRun: input.flowRun, cached: input.cached },
  });
  const insert = effects.find((effect) => effect.kind === 'insert_cache_record');
  const cacheInsert = insert && outcome.written ? { ...insert.record, state: outcome.written } : null;
  return { ...outcome, cacheInsert };
}
