// Task runs, one at a time for Prefect-shaped clients; the SDK uses the per-flow-run batch path.
// Both go through the flow run object's batch code, so the rules are applied in one place.
import { createRoute, z } from '@hono/zod-openapi';
import {
  OrchestrationResultSchema,
  SetStateBodySchema,
  StateSchema,
  TaskRunCreateSchema,
  TaskRunFilterBodySchema,
  TaskRunSchema,
} from 'edgeflow/protocol';
import { countTaskRuns, filterTaskRuns, flowRunIdOfTaskRun } from '../../db/flow-run-queries';
import { flowRunObject } from '../../durable/objects';
import type { Env } from '../../env';
import { ApiError, conflict, notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const IdParam = z.object({ id: z.uuid() });

const create = createRoute({
  method: 'post',
  path: '/task_runs',
  security: requiresScope('agent'),
  request: { body: jsonBody(TaskRunCreateSchema) },
  responses: {
    201: jsonResponse(TaskRunSchema, 'Task run created'),
    200: jsonResponse(
      TaskRunSchema,
      'The run with this (flow_run_id, task_key, dynamic_key) already existed',
    ),
  },
});

const read = createRoute({
  method: 'get',
  path: '/task_runs/{id}',
  security: requiresScope('read'),
  request: { params: IdParam },
  responses: { 200: jsonResponse(TaskRunSchema, 'The task run') },
});

const states = createRoute({
  method: 'get',
  path: '/task_runs/{id}/states',
  security: requiresScope('read'),
  request: { params: IdParam },
  responses: { 200: jsonResponse(z.array(StateSchema), 'The state history, oldest first') },
});

const setState = createRoute({
  method: 'post',
  path: '/task_runs/{id}/set_state',
  security: requiresScope('agent'),
  request: { params: IdParam, body: jsonBody(SetStateBodySchema) },
  responses: {
    201: jsonResponse(OrchestrationResultSchema, 'A new state was written'),
    200: jsonResponse(OrchestrationResultSchema, 'No state was written'),
  },
});

const filter = createRoute({
  method: 'post',
  path: '/task_runs/filter',
  security: requiresScope('read'),
  request: { body: jsonBody(TaskRunFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(TaskRunSchema), 'Matching task runs') },
});

const count = createRoute({
  method: 'post',
  path: '/task_runs/count',
  security: requiresScope('read'),
  request: { body: jsonBody(TaskRunFilterBodySchema) },
  responses: { 200: jsonResponse(z.number().int(), 'How many task runs match') },
});

async function objectOfTaskRun(env: Env, taskRunId: string) {
  const flowRunId = await flowRunIdOfTaskRun(env.DB, taskRunId);
  if (!flowRunId) throw notFound('task_run', taskRunId);
  return flowRunObject(env, flowRunId);
}

export const taskRunsRouter = createRouter()
  .openapi(create, async (c) => {
    const { flow_run_id, ...input } = c.req.valid('json');
    const reply = await flowRunObject(c.env, flow_run_id).createTaskRun({
      ...input,
      id: input.id ?? crypto.randomUUID(),
    });
    if (!reply)
      throw new ApiError(404, 'flow_run.not_found', `flow run ${flow_run_id} not found`, 'flow_run_id');
    return c.json(reply.run, reply.created ? 201 : 200);
  })
  .openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const run = await (await objectOfTaskRun(c.env, id)).readTaskRun(id);
    if (!run) throw notFound('task_run', id);
    return c.json(run, 200);
  })
  .openapi(states, async (c) => {
    const { id } = c.req.valid('param');
    const history = await (await objectOfTaskRun(c.env, id)).readTaskRunStates(id);
    if (!history) throw notFound('task_run', id);
    return c.json(history, 200);
  })
  .openapi(setState, async (c) => {
    const { id } = c.req.valid('param');
    const { state, force, lease_id } = c.req.valid('json');
    const reply = await (await objectOfTaskRun(c.env, id)).applyTaskBatch(
      [{ op: 'set_state', task_run_id: id, state, force }],
      { leaseId: lease_id },
    );
    if (reply.kind === 'not_found') throw notFound('task_run', id);
    if (reply.kind === 'stale_lease')
      throw conflict('flow_run.stale_lease', "This lease is no longer the run's.", 'lease_id');
    const [result] = reply.results;
    const { task_run_id: _, ...body } = result!;
    return c.json(body, reply.written[0] ? 201 : 200);
  })
  .openapi(filter, async (c) => c.json(await filterTaskRuns(c.env.DB, c.req.valid('json')), 200))
  .openapi(count, async (c) => c.json(await countTaskRuns(c.env.DB, c.req.valid('json')), 200));
