// Automations in Prefect's shape (docs/automations.md): the trigger, the actions and the automation
// body, so Prefect's automation JSON reads here unchanged; what we cannot do yet is refused with a 422.
import { StateTypeSchema, UuidSchema } from 'edgeflow/protocol';
import { z } from 'zod';
import { runLoopProblem } from './loops';
import { templateProblem } from './templates';
import { TriggerSchema } from './trigger-schemas';

/** A string that is a valid template (checked once at creation, never at firing). */
const TemplateSchema = z
  .string()
  .max(100_000)
  .superRefine((text, ctx) => {
    const problem = templateProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const Source = z.enum(['selected', 'inferred']).default('selected');
const HeadersSchema = z.record(z.string().min(1).max(256), z.string().max(8_192)).default({});
const UrlSchema = z.url({ protocol: /^https?$/ });

const selected = <K extends string>(key: K) =>
  z.object({ source: Source, [key]: z.string().min(1).max(256).nullish() } as {
    source: typeof Source;
  } & Record<K, z.ZodOptional<z.ZodNullable<z.ZodString>>>);

export const ActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('do-nothing') }),
  selected('deployment_id').extend({
    type: z.literal('run-deployment'),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    job_variables: z.record(z.string(), z.unknown()).nullish(),
  }),
  selected('deployment_id').extend({ type: z.literal('pause-deployment') }),
  selected('deployment_id').extend({ type: z.literal('resume-deployment') }),
  z.object({ type: z.literal('cancel-flow-run') }),
  z.object({ type: z.literal('resume-flow-run') }),
  z.object({
    type: z.literal('change-flow-run-state'),
    name: z.string().max(256).nullish(),
    state: StateTypeSchema,
    message: TemplateSchema.nullish(),
    force: z.boolean().default(false),
  }),
  z.object({ type: z.literal('suspend-flow-run') }),
  selected('work_pool_id').extend({ type: z.literal('pause-work-pool') }),
  selected('work_pool_id').extend({ type: z.literal('resume-work-pool') }),
  /** `work_queue_id`: the queue's id (`GET /api/work_pools/{pool}/queues/{name}` shows it). */
  selected('work_queue_id').extend({ type: z.literal('pause-work-queue') }),
  selected('work_queue_id').extend({ type: z.literal('resume-work-queue') }),
  selected('automation_id').extend({ type: z.literal('pause-automation') }),
  selected('automation_id').extend({ type: z.literal('resume-automation') }),
  z.object({
    type: z.literal('call-webhook'),
    url: UrlSchema,
    headers: HeadersSchema,
    payload: TemplateSchema.default(''),
  }),
  z.object({
    type: z.literal('send-notification'),
    url: UrlSchema,
    headers: HeadersSchema,
    /** `slack`: `{text}`; `json`: `{subject, body, event}`. */
    format: z.enum(['slack', 'json']).default('json'),
    subject: TemplateSchema.default('Prefect automated notification'),
    body: TemplateSchema,
  }),
]);
export type Action = z.output<typeof ActionSchema>;

/** Why an action cannot be accepted as written, or null (checked beside the schema). */
export function actionProblem(action: Action): { field: string; message: string } | null {
  const selectedKey = {
    'run-deployment': 'deployment_id',
    'pause-deployment': 'deployment_id',
    'resume-deployment': 'deployment_id',
    'pause-work-pool': 'work_pool_id',
    'resume-work-pool': 'work_pool_id',
    'pause-work-queue': 'work_queue_id',
    'resume-work-queue': 'work_queue_id',
    'pause-automation': 'automation_id',
    'resume-automation': 'automation_id',
  } as const;
  const key = selectedKey[action.type as keyof typeof selectedKey];
  if (key && 'source' in action && action.source === 'selected' && !(action as Record<string, unknown>)[key])
    return { field: key, message: `is required when source is "selected"` };
  if (action.type === 'run-deployment') {
    const problem = parametersProblem(action.parameters ?? {});
    if (problem) return { field: `parameters${problem.path}`, message: problem.message };
  }
  return null;
}

/** Templates inside run-deployment parameters: strings with `{{ }}` and Prefect's `{__prefect_kind: "jinja"}`. */
function parametersProblem(value: unknown, path = ''): { path: string; message: string } | null {
  if (typeof value === 'string') {
    const message = templateProblem(value);
    return message ? { path, message } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const problem = parametersProblem(item, `${path}[${i}]`);
      if (problem) return problem;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = parametersProblem(item, `${path}.${key}`);
      if (problem) return problem;
    }
  }
  return null;
}

const ActionsSchema = z.array(ActionSchema).max(50).default([]);

const TagsSchema = z.array(z.string().min(1).max(256)).max(100);

const AutomationFields = {
  name: z.string().min(1).max(256),
  description: z.string().max(10_000).default(''),
  enabled: z.boolean().default(true),
  tags: TagsSchema.default([]),
  trigger: TriggerSchema,
  actions: ActionsSchema,
  actions_on_trigger: ActionsSchema,
  actions_on_resolve: ActionsSchema,
  /** Prefect's owner: `prefect.deployment.<id>` for a deployment trigger's automation, which goes with it. */
  owner_resource: z.string().min(1).max(1_024).nullish(),
};

function checkActions(
  body: Partial<Record<'actions' | 'actions_on_trigger' | 'actions_on_resolve', Action[]>>,
  ctx: z.RefinementCtx,
) {
  for (const list of ['actions', 'actions_on_trigger', 'actions_on_resolve'] as const)
    for (const [i, action] of (body[list] ?? []).entries()) {
      const problem = actionProblem(action);
      if (problem) ctx.addIssue({ code: 'custom', path: [list, i, problem.field], message: problem.message });
    }
}

/** An automation whose runs would fire it again, refused on the field that makes it so (loops.ts). */
function checkLoop(automation: z.output<z.ZodObject<typeof AutomationFields>>, ctx: z.RefinementCtx) {
  const problem = runLoopProblem(automation);
  if (problem) ctx.addIssue({ code: 'custom', path: problem.field.split('.'), message: problem.message });
}

/** `POST /api/automations` and `PUT`: the whole automation. */
export const AutomationCreateSchema = z
  .object(AutomationFields)
  .superRefine(checkActions)
  .superRefine(checkLoop);
export type AutomationCreate = z.output<typeof AutomationCreateSchema>;

/** `PATCH /api/automations/{id}`: Prefect's partial update (pause and resume set `enabled`). */
export const AutomationPatchSchema = z
  .object({
    name: AutomationFields.name,
    description: z.string().max(10_000),
    enabled: z.boolean(),
    tags: TagsSchema,
    trigger: TriggerSchema,
    actions: z.array(ActionSchema).max(50),
    actions_on_trigger: z.array(ActionSchema).max(50),
    actions_on_resolve: z.array(ActionSchema).max(50),
    owner_resource: AutomationFields.owner_resource,
  })
  .partial()
  .superRefine(checkActions);
export type AutomationPatch = z.output<typeof AutomationPatchSchema>;

/** An automation as the API answers it. */
export const AutomationSchema = z.object({
  ...AutomationFields,
  id: UuidSchema,
  created: z.string(),
  updated: z.string(),
});
export type Automation = AutomationCreate & { id: string; created: string; updated: string };

/** Prefect's `POST /api/automations/filter` body (the parts that filter here: ids, names, enabled). */
export const AutomationFilterBodySchema = z.object({
  sort: z.enum(['CREATED_DESC', 'UPDATED_DESC', 'NAME_ASC', 'NAME_DESC']).default('NAME_ASC'),
  limit: z.number().int().min(1).max(200).default(200),
  offset: z.number().int().min(0).max(1_000_000).default(0),
  automations: z
    .object({
      id: z.object({ any_: z.array(UuidSchema).max(200).nullish() }).nullish(),
      name: z.object({ any_: z.array(z.string().max(256)).max(200).nullish() }).nullish(),
      enabled: z.object({ eq_: z.boolean().nullish() }).nullish(),
    })
    .nullish(),
});
export type AutomationFilterBody = z.output<typeof AutomationFilterBodySchema>;
