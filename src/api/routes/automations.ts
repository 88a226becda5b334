// /api/automations in Prefect's shapes (docs/automations.md): create, read, replace, patch (pause and
// resume set `enabled`), delete and filter; each change stores its lifecycle events in its own batch.
import { createRoute, z } from '@hono/zod-openapi';
import {
  deleteAutomation,
  deleteOwnedAutomations,
  filterAutomations,
  insertAutomation,
  ownedAutomations,
  readAutomation,
  writeAutomation,
} from '../../db/automations';
import {
  type Automation,
  AutomationCreateSchema,
  AutomationFilterBodySchema,
  AutomationPatchSchema,
  AutomationSchema,
  runLoopProblem,
} from '../../domain/automations';
import { type LifecycleAction, lifecycleEvent } from '../../domain/events';
import { nudgeAutomations } from '../../durable/objects';
import { ApiError, notFound } from '../errors';
import { pauseActions } from '../lifecycle-events';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const IdParam = z.object({ id: z.uuid() });

/** `prefect.automation.<id>` events: created, updated, deleted, paused (disabled), resumed (enabled). */
function automationEvents(
  automation: { id: string; name: string },
  actions: readonly LifecycleAction[],
  now: Date,
) {
  return actions.map((action) =>
    lifecycleEvent({ kind: 'automation', ...automation }, action, { id: crypto.randomUUID(), occurred: now }),
  );
}

const create = createRoute({
  method: 'post',
  path: '/automations',
  security: requiresScope('admin'),
  request: { body: jsonBody(AutomationCreateSchema) },
  responses: { 201: jsonResponse(AutomationSchema, 'Created') },
});

const read = createRoute({
  method: 'get',
  path: '/automations/{id}',
  security: requiresScope('read'),
  request: { params: IdParam },
  responses: { 200: jsonResponse(AutomationSchema, 'The automation') },
});

const replace = createRoute({
  method: 'put',
  path: '/automations/{id}',
  security: requiresScope('admin'),
  request: { params: IdParam, body: jsonBody(AutomationCreateSchema) },
  responses: { 204: { description: 'Replaced' } },
});

const patch = createRoute({
  method: 'patch',
  path: '/automations/{id}',
  security: requiresScope('admin'),
  request: { params: IdParam, body: jsonBody(AutomationPatchSchema) },
  responses: { 204: { description: 'Changed; `{"enabled": false}` pauses, `true` resumes' } },
});

const remove = createRoute({
  method: 'delete',
  path: '/automations/{id}',
  security: requiresScope('admin'),
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' } },
});

const removeOwned = createRoute({
  method: 'delete',
  path: '/automations/owned-by/{resource_id}',
  summary: "Delete the automations a resource owns (Prefect's owner_resource: a deployment's triggers)",
  security: requiresScope('admin'),
  request: { params: z.object({ resource_id: z.string().min(1).max(1_024) }) },
  responses: { 202: { description: 'Deleted (none owned is not an error)' } },
});

const filter = createRoute({
  method: 'post',
  path: '/automations/filter',
  security: requiresScope('read'),
  request: { body: jsonBody(AutomationFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(AutomationSchema), 'The automations, in the order asked') },
});

async function automationOr404(db: D1Database, id: string): Promise<Automation> {
  const automation = await readAutomation(db, id);
  if (!automation) throw notFound('automation', id);
  return automation;
}

/** Writes the changed automation with `updated` (and paused/resumed when `enabled` flipped). */
async function change(db: D1Database, current: Automation, next: Automation, now: Date) {
  const actions: LifecycleAction[] = ['updated', ...pauseActions(!current.enabled, !next.enabled)];
  if (!(await writeAutomation(db, next, automationEvents(next, actions, now), now)))
    throw notFound('automation', current.id);
}

export const automationsRouter = createRouter()
  .openapi(create, async (c) => {
    const now = new Date();
    const at = now.toISOString();
    const automation: Automation = {
      ...c.req.valid('json'),
      id: crypto.randomUUID(),
      created: at,
      updated: at,
    };
    await insertAutomation(c.env.DB, automation, automationEvents(automation, ['created'], now), now);
    c.executionCtx.waitUntil(nudgeAutomations(c.env, { automationsChanged: true }));
    return c.json(automation, 201);
  })
  .openapi(read, async (c) => c.json(await automationOr404(c.env.DB, c.req.valid('param').id), 200))
  .openapi(replace, async (c) => {
    const now = new Date();
    const current = await automationOr404(c.env.DB, c.req.valid('param').id);
    const next = {
      ...c.req.valid('json'),
      id: current.id,
      created: current.created,
      updated: now.toISOString(),
    };
    await change(c.env.DB, current, next, now);
    c.executionCtx.waitUntil(nudgeAutomations(c.env, { automationsChanged: true }));
    return c.body(null, 204);
  })
  .openapi(patch, async (c) => {
    const now = new Date();
    const current = await automationOr404(c.env.DB, c.req.valid('param').id);
    const next = { ...current, ...c.req.valid('json'), updated: now.toISOString() };
    // Checked on the whole automation: resuming one, or changing only its actions, can close a loop.
    const loop = runLoopProblem(next);
    if (loop) throw new ApiError(422, 'automation.loop', loop.message, loop.field);
    await change(c.env.DB, current, next, now);
    c.executionCtx.waitUntil(nudgeAutomations(c.env, { automationsChanged: true }));
    return c.body(null, 204);
  })
  .openapi(remove, async (c) => {
    const now = new Date();
    const current = await automationOr404(c.env.DB, c.req.valid('param').id);
    if (!(await deleteAutomation(c.env.DB, current.id, automationEvents(current, ['deleted'], now), now)))
      throw notFound('automation', current.id);
    c.executionCtx.waitUntil(nudgeAutomations(c.env, { automationsChanged: true }));
    return c.body(null, 204);
  })
  .openapi(removeOwned, async (c) => {
    const now = new Date();
    const owner = c.req.valid('param').resource_id;
    const owned = await ownedAutomations(c.env.DB, owner);
    const events = owned.flatMap((automation) => automationEvents(automation, ['deleted'], now));
    await deleteOwnedAutomations(
      c.env.DB,
      owner,
      owned.map((automation) => automation.id),
      events,
      now,
    );
    return c.body(null, 202);
  })
  .openapi(filter, async (c) => c.json(await filterAutomations(c.env.DB, c.req.valid('json')), 200));
