// Task tag concurrency limits, as Prefect's task policy has them (SecureTaskConcurrencySlots and
// ReleaseTaskConcurrencySlots): a task entering RUNNING takes a slot of each of its tags' limits,
// and gives them back when it leaves RUNNING for anything but CANCELLING. The slots live in the
// limits' objects, so the caller asks for them first and hands the answer in; the rules only decide.
import type { StateType } from 'edgeflow/protocol';
import { abort, insertRulesAfter, type Policy, proceed, type Rule, wait } from './pipeline';
import { type TaskPolicyName, taskPolicy } from './policies';
import type { TaskRuleInputs } from './task-rules';
import type { TaskRunSnapshot } from './types';

/** What the tag limits answered for one RUNNING proposal (null: none of its tags has a limit). */
export type TagSlotAnswer =
  | { kind: 'granted'; limits: string[] }
  /** A limit stayed full for as long as the request was held: propose again after `delay_seconds`. */
  | { kind: 'wait'; tag: string; delay_seconds: number }
  /** A limit of 0 would hold the task forever (Prefect's deadlock guard). */
  | { kind: 'zero'; tag: string };

export interface TagConcurrencyInputs {
  tag_slots: TagSlotAnswer | null;
}

/** The limit object a tag's limit lives in (the named limit `tag:<tag>`, as Prefect's V2 tag limits). */
export const tagLimitName = (tag: string) => `tag:${tag}`;

export const SecureTaskConcurrencySlots: Rule<TaskRunSnapshot, TaskRuleInputs & TagConcurrencyInputs> = {
  name: 'SecureTaskConcurrencySlots',
  from: 'any',
  to: ['RUNNING'],
  decide: ({ extra }) => {
    const answer = extra.tag_slots;
    if (!answer || answer.kind === 'granted') return proceed();
    if (answer.kind === 'zero') {
      return abort(
        `The concurrency limit on tag "${answer.tag}" is 0 and will deadlock if the task tries to run again.`,
      );
    }
    return wait(answer.delay_seconds, `Concurrency limit for the ${answer.tag} tag has been reached`);
  },
};

/** The task policy with tag limits at Prefect's position, after PreventRunningTasksFromStoppedFlows. */
export function withTagConcurrency(
  name: TaskPolicyName,
): Policy<TaskRunSnapshot, TaskRuleInputs & TagConcurrencyInputs> {
  const base = taskPolicy(name) as Policy<TaskRunSnapshot, TaskRuleInputs & TagConcurrencyInputs>;
  if (name !== 'core') return base;
  return insertRulesAfter(base, 'PreventRunningTasksFromStoppedFlows', [SecureTaskConcurrencySlots]);
}

/** ReleaseTaskConcurrencySlots: a task holding tag slots gives them back in any state but these. */
export function keepsTagSlots(state: StateType | null): boolean {
  return state === 'RUNNING' || state === 'CANCELLING';
}
