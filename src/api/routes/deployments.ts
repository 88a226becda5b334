// Deployments: upsert on (flow, name), read, filter, change, pause and resume, and runs created from them.
import { createRoute, z } from '@hono/zod-openapi';
import {
  type Deployment,
  DeploymentBulkCreateSchema,
  DeploymentBulkResultSchema,
  DeploymentCreateSchema,
  DeploymentFilterBodySchema,
  DeploymentFlowRunCreateSchema,
  DeploymentSchema,
  DeploymentUpdateSchema,
  FlowRunSchema,
} from 'edgeflow/protocol';
import { triggerAutomationStatements } from '../../db/deployment-triggers';
import { type FlowRef, upsertDeployments } from '../../db/deployment-upserts';
import {
  deleteDeployment,
  filterDeployments,
  pauseDeployment,
  readDeployment,
  readDeploymentByName,
  resumeDeployment,
  updateDeployment,
} from '../../db/deployments';
import { requestScheduleBudget } from '../../domain/schedules';
import { nudgeAutomations } from '../../durable/objects';
import type { Env } from '../../env';
import { createDeploymentRun } from '../deployment-runs';
import {
  draftDeployment,
  flowOf,
  invalid,
  mergedUpdate,
  planFirstRuns,
  regenerate,
  withdrawOrRefuse,
} from '../deployment-writes';
import { notFound } from '../errors';
import {
  deploymentEvents,
  eventStatements,
  pauseActions,
  triggerAutomationEvents,
  upsertEvents,
} from '../lifecycle-events';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse, optionalJsonBody, withDefaults } from '../router';

const IdParam = z.object({ id: z.uuid() });
const noContent = { 204: { description: 'Done' } };

export async function deploymentOr404(env: Env, id: string): Promise<Deployment> {
  const deployment = await readDeployment(env.DB, id);
  if (!deployment) throw notFound('deployment', id);
  return deployment;
}

const create = createRoute({
  method: 'post',
  path: '/deployments',
  security: requiresScope('admin'),
  request: { body: jsonBody(DeploymentCreateSchema) },
  responses: {
    201: jsonResponse(DeploymentSchema, 'Deployment created'),
    200: jsonResponse(DeploymentSchema, 'The deployment with this flow and name, replaced'),
  },
});

const bulk = createRoute({
  method: 'post',
  path: '/deployments/bulk',
  security: requiresScope('admin'),
  request: { body: jsonBody(DeploymentBulkCreateSchema) },
  responses: { 200: jsonResponse(DeploymentBulkResultSchema, 'One result per deployment, in order') },
});

const read = createRoute({
  method: 'get',
  path: '/deployments/{id}',
  security: requiresScope('read'),
  request: { params: IdParam },
  responses: { 200: jsonResponse(DeploymentSchema, 'The deployment') },
});

const readByName = createRoute({
  method: 'get',
  path: '/deployments/name/{flow}/{deployment}',
  security: requiresScope('read'),
  request: { params: z.object({ flow: z.string().min(1), deployment: z.string().min(1) }) },
  responses: { 200: jsonResponse(DeploymentSchema, 'The deployment') },
});

const filter = createRoute({
  method: 'post',
  path: '/deployments/filter',
  security: requiresScope('read'),
  request: { body: jsonBody(DeploymentFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(DeploymentSchema), 'Matching deployments') },
});

const update = createRoute({
  method: 'patch',
  path: '/deployments/{id}',
  security: requiresScope('admin'),
  request: { params: IdParam, body: jsonBody(DeploymentUpdateSchema) },
  responses: noContent,
});

const remove = createRoute({
  method: 'delete',
  path: '/deployments/{id}',
  security: requiresScope('admin'),
  request: { params: IdParam },
  responses: noContent,
});

const pause = createRoute({
  method: 'post',
  path: '/deployments/{id}/pause_deployment',
  security: requiresScope('admin'),
  request: { params: IdParam },
  responses: noContent,
});

const resume = createRoute({
  method: 'post',
  path: '/deployments/{id}/resume_deployment',
  security: requiresScope('admin'),
  request: { params: IdParam },
  responses: noContent,
});

const createRun = createRoute({
  method: 'post',
  path: '/deployments/{id}/create_flow_run',
  security: requiresScope('agent'),
  request: {
    params: IdParam,
    body: optionalJsonBody(DeploymentFlowRunCreateSchema),
  },
  responses: {
    201: jsonResponse(FlowRunSchema, 'Flow run created, SCHEDULED and dispatched through its pool'),
    200: jsonResponse(FlowRunSchema, 'A run with this idempotency key already existed'),
  },
});

// Every write checks everything first, then commits in one batch; what it owes the run objects
// (withdrawals) is committed with it and finished afterwards (docs/deployments.md, "All or nothing").
export const deploymentsRouter = createRouter()
  .openapi(create, async (c) => {
    const body = c.req.valid('json');
    const now = new Date();
    const flow = await flowOf(c.env, body);
    const draft = draftDeployment(body.name, body, body.schedules, now);
    const { results, withdrawals } = await upsertDeployments(
      c.env.DB,
      [{ flow, ...draft }],
      now,
      upsertEvents(now),
      triggerAutomationEvents(now),
    );
    const result = results[0]!;
    if (draft.triggers.length > 0)
      c.executionCtx.waitUntil(nudgeAutomations(c.env, { automationsChanged: true }));
    await regenerate(c.env, result.id, withdrawals, now);
    return c.json(await deploymentOr404(c.env, result.id), result.created ? 201 : 200);
  })
  .openapi(bulk, async (c) => {
    const now = new Date();
    const items = [];
    const scheduleWork = requestScheduleBudget();
    // Many deployments of one flow are the common case: check each flow once.
    const flows = new Map<string, Promise<FlowRef>>();
    for (const [i, body] of c.req.valid('json').deployments.entries()) {
      try {
        const flowKey = body.flow_id ?? `name:${body.flow_name}`;
        if (!flows.has(flowKey)) flows.set(flowKey, flowOf(c.env, body));
        const flow = await flows.get(flowKey)!;
        items.push({ flow, ...draftDeployment(body.name, body, body.schedules, now, scheduleWork) });
      } catch (error) {
        if (error instanceof Error && 'field' in error && error.field) {
          throw invalid({ field: `deployments[${i}].${error.field}`, message: error.message });
        }
        throw error;
      }
    }
    const { results, withdrawals } = await upsertDeployments(
      c.env.DB,
      items,
      now,
      upsertEvents(now),
      triggerAutomationEvents(now),
    );
    if (items.some((item) => item.triggers.length > 0))
      c.executionCtx.waitUntil(nudgeAutomations(c.env, { automationsChanged: true }));
    // Replaced deployments give back their future runs; the next tick plans every schedule written here.
    await withdrawOrRefuse(c.env, withdrawals, now);
    return c.json({ results }, 200);
  })
  .openapi(read, async (c) => c.json(await deploymentOr404(c.env, c.req.valid('param').id), 200))
  .openapi(readByName, async (c) => {
    const { flow, deployment } = c.req.valid('param');
    const found = await readDeploymentByName(c.env.DB, flow, deployment);
    if (!found) throw notFound('deployment', `${flow}/${deployment}`);
    return c.json(found, 200);
  })
  .openapi(filter, async (c) => c.json(await filterDeployments(c.env.DB, c.req.valid('json')), 200))
  .openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    const patch = c.req.valid('json');
    const now = new Date();
    const existing = await deploymentOr404(c.env, id);
    const merged = mergedUpdate(existing, patch);
    const draft = draftDeployment(existing.name, merged, patch.schedules ?? [], now);
    // Paused through PATCH as through pause_deployment: every unstarted auto-scheduled run goes.
    const withdrawal = await updateDeployment(
      c.env.DB,
      id,
      draft.deployment,
      patch.schedules ? draft.schedules : undefined,
      { withdraw: draft.deployment.paused ? 'all' : 'future' },
      now,
      [
        ...eventStatements(
          c.env.DB,
          deploymentEvents(existing, ['updated', ...pauseActions(existing.paused, patch.paused)], now),
          now,
        ),
        // Triggers given replace the automations they make; absent, those stay as they are.
        ...(patch.triggers
          ? triggerAutomationStatements(c.env.DB, { id }, draft.triggers, triggerAutomationEvents(now), now)
          : []),
      ],
    );
    if (patch.triggers) c.executionCtx.waitUntil(nudgeAutomations(c.env, { automationsChanged: true }));
    await regenerate(c.env, id, [withdrawal], now);
    return c.body(null, 204);
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    const deployment = await deploymentOr404(c.env, id);
    const now = new Date();
    const events = [
      ...eventStatements(c.env.DB, deploymentEvents(deployment, ['deleted'], now), now),
      // Its trigger automations go with it.
      ...triggerAutomationStatements(c.env.DB, { id }, [], triggerAutomationEvents(now), now),
    ];
    await withdrawOrRefuse(c.env, [await deleteDeployment(c.env.DB, id, now, events)], now);
    return c.body(null, 204);
  })
  .openapi(pause, async (c) => {
    const { id } = c.req.valid('param');
    const deployment = await deploymentOr404(c.env, id);
    const now = new Date();
    const events = eventStatements(c.env.DB, deploymentEvents(deployment, ['paused'], now), now);
    await withdrawOrRefuse(c.env, [await pauseDeployment(c.env.DB, id, now, events)], now);
    return c.body(null, 204);
  })
  .openapi(resume, async (c) => {
    const { id } = c.req.valid('param');
    const deployment = await deploymentOr404(c.env, id);
    const now = new Date();
    const events = eventStatements(c.env.DB, deploymentEvents(deployment, ['resumed'], now), now);
    await resumeDeployment(c.env.DB, id, now, events);
    await planFirstRuns(c.env, id, now);
    return c.body(null, 204);
  })
  .openapi(createRun, async (c) => {
    const { id } = c.req.valid('param');
    const body = withDefaults(DeploymentFlowRunCreateSchema, c.req.valid('json'));
    const deployment = await deploymentOr404(c.env, id);
    const { created, run } = await createDeploymentRun(c.env, deployment, body, new Date());
    return c.json(run, created ? 201 : 200);
  });
