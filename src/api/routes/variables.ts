// Variables in Prefect's shapes: flows read and write them with an agent key, deleting takes admin
// (docs/variables.md, docs/api-scopes.md).
import { createRoute, z } from '@hono/zod-openapi';
import {
  ApiErrorBodySchema,
  VariableCreateSchema,
  VariableFilterBodySchema,
  VariableNameSchema,
  VariableSchema,
  VariableUpdateSchema,
} from 'edgeflow/protocol';
import {
  countVariables,
  deleteVariable,
  filterVariables,
  insertVariable,
  readVariable,
  saveVariable,
} from '../../db/variables';
import { newVariable, updatedVariable } from '../../domain/variables';
import { conflict, notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const IdParam = z.object({ id: z.uuid() });
const NameParam = z.object({ name: VariableNameSchema });
const taken = (name: string) => conflict('variable.exists', `Variable ${name} already exists.`, 'name');

const create = createRoute({
  method: 'post',
  path: '/variables',
  security: requiresScope('agent'),
  summary: 'Create a variable (a JSON value of at most 5,000 characters)',
  request: { body: jsonBody(VariableCreateSchema) },
  responses: {
    201: jsonResponse(VariableSchema, 'Variable created'),
    409: jsonResponse(ApiErrorBodySchema, 'A variable of this name exists'),
  },
});

const readById = createRoute({
  method: 'get',
  path: '/variables/{id}',
  security: requiresScope('read'),
  request: { params: IdParam },
  responses: { 200: jsonResponse(VariableSchema, 'The variable') },
});

const readByName = createRoute({
  method: 'get',
  path: '/variables/name/{name}',
  security: requiresScope('read'),
  request: { params: NameParam },
  responses: { 200: jsonResponse(VariableSchema, 'The variable') },
});

const updateById = createRoute({
  method: 'patch',
  path: '/variables/{id}',
  security: requiresScope('agent'),
  request: { params: IdParam, body: jsonBody(VariableUpdateSchema) },
  responses: { 204: { description: 'Updated' } },
});

const updateByName = createRoute({
  method: 'patch',
  path: '/variables/name/{name}',
  security: requiresScope('agent'),
  request: { params: NameParam, body: jsonBody(VariableUpdateSchema) },
  responses: { 204: { description: 'Updated' } },
});

const removeById = createRoute({
  method: 'delete',
  path: '/variables/{id}',
  security: requiresScope('admin'),
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' } },
});

const removeByName = createRoute({
  method: 'delete',
  path: '/variables/name/{name}',
  security: requiresScope('admin'),
  request: { params: NameParam },
  responses: { 204: { description: 'Deleted' } },
});

const filter = createRoute({
  method: 'post',
  path: '/variables/filter',
  security: requiresScope('read'),
  request: { body: jsonBody(VariableFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(VariableSchema), 'Matching variables') },
});

const countRoute = createRoute({
  method: 'post',
  path: '/variables/count',
  security: requiresScope('read'),
  request: { body: jsonBody(VariableFilterBodySchema) },
  responses: { 200: jsonResponse(z.number().int(), 'How many variables match') },
});

type Lookup = { id: string } | { name: string };

async function update(database: D1Database, by: Lookup, body: z.infer<typeof VariableUpdateSchema>) {
  const existing = await readVariable(database, by);
  if (!existing) throw notFound('variable', 'id' in by ? by.id : by.name);
  const changed = updatedVariable(existing, body, new Date());
  if (!(await saveVariable(database, changed))) throw taken(changed.name);
}

async function remove(database: D1Database, by: Lookup) {
  if (!(await deleteVariable(database, by))) throw notFound('variable', 'id' in by ? by.id : by.name);
}

export const variablesRouter = createRouter()
  .openapi(create, async (c) => {
    const input = c.req.valid('json');
    const created = await insertVariable(c.env.DB, newVariable(input, crypto.randomUUID(), new Date()));
    if (!created) throw taken(input.name);
    return c.json(created, 201);
  })
  .openapi(filter, async (c) => c.json(await filterVariables(c.env.DB, c.req.valid('json')), 200))
  .openapi(countRoute, async (c) => c.json(await countVariables(c.env.DB, c.req.valid('json')), 200))
  .openapi(readByName, async (c) => {
    const { name } = c.req.valid('param');
    const variable = await readVariable(c.env.DB, { name });
    if (!variable) throw notFound('variable', name);
    return c.json(variable, 200);
  })
  .openapi(updateByName, async (c) => {
    await update(c.env.DB, c.req.valid('param'), c.req.valid('json'));
    return c.body(null, 204);
  })
  .openapi(removeByName, async (c) => {
    await remove(c.env.DB, c.req.valid('param'));
    return c.body(null, 204);
  })
  .openapi(readById, async (c) => {
    const { id } = c.req.valid('param');
    const variable = await readVariable(c.env.DB, { id });
    if (!variable) throw notFound('variable', id);
    return c.json(variable, 200);
  })
  .openapi(updateById, async (c) => {
    await update(c.env.DB, c.req.valid('param'), c.req.valid('json'));
    return c.body(null, 204);
  })
  .openapi(removeById, async (c) => {
    await remove(c.env.DB, c.req.valid('param'));
    return c.body(null, 204);
  });
