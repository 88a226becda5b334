// A deployment's `triggers` as automations (docs/deployments.md, "Triggers"): each trigger, as Prefect's
// `DeploymentEventTrigger` writes it, becomes an automation owned by the deployment whose one action
// runs it (`run-deployment`, source "selected", the trigger's parameters templated). Pure.
import { type AutomationCreate, AutomationCreateSchema } from './schemas';

/** The fields of a deployment trigger that belong to the automation and its action, not its trigger. */
const AUTOMATION_KEYS = ['name', 'description', 'enabled', 'parameters', 'job_variables'] as const;

/** A trigger's automation, before the deployment's id is known (the write fills it in). */
export interface TriggerAutomation {
  /** The trigger's position in `triggers`: with the deployment, the automation's key. */
  position: number;
  automation: AutomationCreate;
}

export interface TriggerProblem {
  field: string;
  message: string;
}

/** `a.b[2].c` from an issue path. */
function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** Where a problem of the built automation lies in the trigger as the caller wrote it. */
function triggerPath(path: readonly PropertyKey[]): readonly PropertyKey[] {
  const [head, ...rest] = path;
  if (head === 'trigger') return rest;
  // The one action: its parameters and job variables are the trigger's own fields.
  if (head === 'actions') return rest.slice(1);
  return path;
}

/** Prefect's name for a trigger's automation when it gives none: `<deployment>__automation_<n>`, n from 1. */
export const triggerAutomationName = (deploymentName: string, position: number) =>
  `${deploymentName}__automation_${position + 1}`;

/**
 * The automations the triggers become, or the first problem, its field named from the deployment
 * body's root (`triggers[0].within`). The run-deployment action's `deployment_id` is left empty.
 */
export function triggerAutomations(
  deploymentName: string,
  triggers: readonly Record<string, unknown>[],
  fieldPrefix = 'triggers',
): { automations: TriggerAutomation[] } | { problem: TriggerProblem } {
  const automations: TriggerAutomation[] = [];
  for (const [position, written] of triggers.entries()) {
    const trigger: Record<string, unknown> = { type: 'event', posture: 'Reactive' };
    const own: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(written)) {
      if ((AUTOMATION_KEYS as readonly string[]).includes(key)) own[key] = value;
      else if (value !== undefined) trigger[key] = value;
    }
    const parsed = AutomationCreateSchema.safeParse({
      name: own.name ?? triggerAutomationName(deploymentName, position),
      description: own.description ?? '',
      enabled: own.enabled ?? true,
      trigger,
      actions: [
        {
          type: 'run-deployment',
          source: 'selected',
          // A placeholder that passes the "selected needs an id" check; the write sets the real id.
          deployment_id: 'this deployment',
          parameters: own.parameters ?? null,
          job_variables: own.job_variables ?? null,
        },
      ],
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const inner = pathText(triggerPath(issue.path));
      return {
        problem: { field: `${fieldPrefix}[${position}]${inner ? `.${inner}` : ''}`, message: issue.message },
      };
    }
    const [action] = parsed.data.actions;
    automations.push({
      position,
      automation: { ...parsed.data, actions: [{ ...action!, deployment_id: '' } as typeof action & {}] },
    });
  }
  return { automations };
}
