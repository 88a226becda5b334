// A flow run's inputs in Prefect's shapes (create, read by key, filter by prefix, delete) and the held
// read of its next state, both answered by the run's object (docs/sdk.md, "Pause, suspend and input").
import { createRoute, z } from '@hono/zod-openapi';
import {
  ApiErrorBodySchema,
  FlowRunInputCreateSchema,
  FlowRunInputFilterSchema,
  FlowRunInputSchema,
  FlowRunSchema,
  NextStateQuerySchema,
  RunInputKeySchema,
} from 'edgeflow/protocol';
import { flowRunObject } from '../../durable/objects';
import { conflict, notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const IdParam = z.object({ id: z.uuid() });
const KeyParams = z.object({ id: z.uuid(), key: RunInputKeySchema });

const create = createRoute({
  method: 'post',
  path: '/flow_runs/{id}/input',
  security: requiresScope('agent'),
  summary: 'Create an input of the flow run (its key is written once)',
  request: { params: IdParam, body: jsonBody(FlowRunInputCreateSchema) },
  responses: {
    201: jsonResponse(FlowRunInputSchema, 'Input created'),
    409: jsonResponse(ApiErrorBodySchema, 'An input with this key exists'),
  },
});

const filter = createRoute({
  method: 'post',
  path: '/flow_runs/{id}/input/filter',
  security: requiresScope('read'),
  summary:
    'Inputs whose key starts with `prefix`, oldest first; `wait_seconds` holds the request until one exists',
  request: { params: IdParam, body: jsonBody(FlowRunInputFilterSchema) },
  responses: { 200: jsonResponse(z.array(FlowRunInputSchema), 'Matching inputs') },
});

const read = createRoute({
  method: 'get',
  path: '/flow_runs/{id}/input/{key}',
  security: requiresScope('read'),
  summary: "The input's value (its JSON text), as Prefect answers it",
  request: { params: KeyParams },
  responses: { 200: jsonResponse(z.unknown(), 'The value') },
});

const remove = createRoute({
  method: 'delete',
  path: '/flow_runs/{id}/input/{key}',
  security: requiresScope('agent'),
  request: { params: KeyParams },
  responses: { 204: { description: 'Deleted' } },
});

const nextState = createRoute({
  method: 'get',
  path: '/flow_runs/{id}/next_state',
  security: requiresScope('read'),
  summary:
    'The run once its state is no longer `after` (at once if it is not), or as it is after `wait_seconds`',
  request: { params: IdParam, query: NextStateQuerySchema },
  responses: { 200: jsonResponse(FlowRunSchema, 'The flow run') },
});

const inputNotFound = (id: string, key: string) => notFound('flow_run_input', `${key} of flow run ${id}`);

export const flowRunInputsRouter = createRouter()
  .openapi(create, async (c) => {
    const { id } = c.req.valid('param');
    const input = c.req.valid('json');
    const created = await flowRunObject(c.env, id).addInput(input);
    if (!created) throw notFound('flow_run', id);
    if (created === 'exists')
      throw conflict('flow_run_input.exists', `Flow run ${id} already has an input ${input.key}.`, 'key');
    return c.json(created, 201);
  })
  .openapi(filter, async (c) => {
    const { id } = c.req.valid('param');
    const found = await flowRunObject(c.env, id).filterInputs(c.req.valid('json'));
    if (!found) throw notFound('flow_run', id);
    return c.json(found, 200);
  })
  .openapi(read, async (c) => {
    const { id, key } = c.req.valid('param');
    const input = await flowRunObject(c.env, id).readInput(key);
    if (!input) throw notFound('flow_run', id);
    if (input === 'absent') throw inputNotFound(id, key);
    // Prefect answers the stored JSON text itself; parsed here so the answer is that same JSON.
    return c.json(JSON.parse(input.value) as never, 200);
  })
  .openapi(remove, async (c) => {
    const { id, key } = c.req.valid('param');
    const removed = await flowRunObject(c.env, id).removeInput(key);
    if (!removed) throw notFound('flow_run', id);
    if (removed === 'absent') throw inputNotFound(id, key);
    return c.body(null, 204);
  })
  .openapi(nextState, async (c) => {
    const { id } = c.req.valid('param');
    const { after, wait_seconds } = c.req.valid('query');
    const run = await flowRunObject(c.env, id).nextState(after, wait_seconds * 1000);
    if (!run) throw notFound('flow_run', id);
    return c.json(run, 200);
  });
