// Flows: upsert by name, read by id or name, filter.
import { createRoute, z } from '@hono/zod-openapi';
import { FlowCreateSchema, FlowFilterBodySchema, FlowSchema } from 'edgeflow/protocol';
import { filterFlows, readFlow, readFlowByName, upsertFlow } from '../../db/flows';
import { notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const IdParam = z.object({ id: z.uuid() });

const create = createRoute({
  method: 'post',
  path: '/flows',
  security: requiresScope('agent'),
  request: { body: jsonBody(FlowCreateSchema) },
  responses: {
    201: jsonResponse(FlowSchema, 'Flow created'),
    200: jsonResponse(FlowSchema, 'A flow with that name already existed'),
  },
});

const read = createRoute({
  method: 'get',
  path: '/flows/{id}',
  security: requiresScope('read'),
  request: { params: IdParam },
  responses: { 200: jsonResponse(FlowSchema, 'The flow') },
});

const readByName = createRoute({
  method: 'get',
  path: '/flows/name/{name}',
  security: requiresScope('read'),
  request: { params: z.object({ name: z.string().min(1) }) },
  responses: { 200: jsonResponse(FlowSchema, 'The flow') },
});

const filter = createRoute({
  method: 'post',
  path: '/flows/filter',
  security: requiresScope('read'),
  request: { body: jsonBody(FlowFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(FlowSchema), 'Matching flows') },
});

export const flowsRouter = createRouter()
  .openapi(create, async (c) => {
    const { created, flow } = await upsertFlow(c.env.DB, c.req.valid('json'), new Date());
    return c.json(flow, created ? 201 : 200);
  })
  .openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const flow = await readFlow(c.env.DB, id);
    if (!flow) throw notFound('flow', id);
    return c.json(flow, 200);
  })
  .openapi(readByName, async (c) => {
    const { name } = c.req.valid('param');
    const flow = await readFlowByName(c.env.DB, name);
    if (!flow) throw notFound('flow', name);
    return c.json(flow, 200);
  })
  .openapi(filter, async (c) => c.json(await filterFlows(c.env.DB, c.req.valid('json')), 200));
