// Artifacts in Prefect's shapes: create (agent), read, PATCH for progress (agent), delete (admin),
// filter and count, and each key's latest version (docs/artifacts.md, docs/api-scopes.md).
import { createRoute, z } from '@hono/zod-openapi';
import {
  type Artifact,
  type ArtifactCollection,
  ArtifactCollectionSchema,
  ArtifactCreateSchema,
  ArtifactFilterBodySchema,
  ArtifactKeySchema,
  ArtifactSchema,
  ArtifactUpdateSchema,
} from 'edgeflow/protocol';
import {
  countArtifactRows,
  deleteArtifactRow,
  filterArtifactRows,
  readArtifactRow,
  readLatestArtifactRow,
  updateArtifactRow,
} from '../../db/artifacts';
import { updatedArtifact } from '../../domain/artifacts';
import {
  artifactFromRow,
  artifactRow,
  checkedArtifacts,
  deleteArtifactData,
  saveArtifacts,
} from '../artifact-data';
import { ApiError, notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const IdParam = z.object({ id: z.uuid() });

const create = createRoute({
  method: 'post',
  path: '/artifacts',
  security: requiresScope('agent'),
  summary: 'Create an artifact; under a key, a new version (the SDK sends them in report batches)',
  request: { body: jsonBody(ArtifactCreateSchema) },
  responses: { 201: jsonResponse(ArtifactSchema, 'Artifact created') },
});

const read = createRoute({
  method: 'get',
  path: '/artifacts/{id}',
  security: requiresScope('read'),
  request: { params: IdParam },
  responses: { 200: jsonResponse(ArtifactSchema, 'The artifact') },
});

const latest = createRoute({
  method: 'get',
  path: '/artifacts/{key}/latest',
  security: requiresScope('read'),
  summary: "A key's latest version",
  request: { params: z.object({ key: ArtifactKeySchema }) },
  responses: { 200: jsonResponse(ArtifactSchema, 'The latest artifact of the key') },
});

const update = createRoute({
  method: 'patch',
  path: '/artifacts/{id}',
  security: requiresScope('agent'),
  summary: 'Change a progress artifact in place, or any artifact’s description and metadata',
  request: { params: IdParam, body: jsonBody(ArtifactUpdateSchema) },
  responses: { 204: { description: 'Updated' } },
});

const remove = createRoute({
  method: 'delete',
  path: '/artifacts/{id}',
  security: requiresScope('admin'),
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted (the previous version becomes its key’s latest)' } },
});

const filter = createRoute({
  method: 'post',
  path: '/artifacts/filter',
  security: requiresScope('read'),
  request: { body: jsonBody(ArtifactFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(ArtifactSchema), 'Matching artifacts, every version') },
});

const count = createRoute({
  method: 'post',
  path: '/artifacts/count',
  security: requiresScope('read'),
  request: { body: jsonBody(ArtifactFilterBodySchema) },
  responses: { 200: jsonResponse(z.number().int(), 'How many artifacts match') },
});

const latestFilter = createRoute({
  method: 'post',
  path: '/artifacts/latest/filter',
  security: requiresScope('read'),
  summary: "Each matching key's latest version (Prefect's artifact collections)",
  request: { body: jsonBody(ArtifactFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(ArtifactCollectionSchema), 'Latest versions') },
});

const latestCount = createRoute({
  method: 'post',
  path: '/artifacts/latest/count',
  security: requiresScope('read'),
  request: { body: jsonBody(ArtifactFilterBodySchema) },
  responses: { 200: jsonResponse(z.number().int(), 'How many keys match') },
});

const collectionOf = (artifact: Artifact): ArtifactCollection => ({
  ...artifact,
  key: artifact.key!,
  latest_id: artifact.id,
});

export const artifactsRouter = createRouter()
  .openapi(create, async (c) => {
    const artifacts = checkedArtifacts([c.req.valid('json')], { now: new Date(), fieldPrefix: () => '' });
    await saveArtifacts(c.env, artifacts);
    return c.json(artifacts[0]!, 201);
  })
  .openapi(filter, async (c) => {
    const rows = await filterArtifactRows(c.env.DB, c.req.valid('json'));
    return c.json(await Promise.all(rows.map((row) => artifactFromRow(c.env, row))), 200);
  })
  .openapi(count, async (c) => c.json(await countArtifactRows(c.env.DB, c.req.valid('json')), 200))
  .openapi(latestFilter, async (c) => {
    const rows = await filterArtifactRows(c.env.DB, c.req.valid('json'), { latest: true });
    const latestVersions = await Promise.all(rows.map((row) => artifactFromRow(c.env, row)));
    return c.json(latestVersions.map(collectionOf), 200);
  })
  .openapi(latestCount, async (c) =>
    c.json(await countArtifactRows(c.env.DB, c.req.valid('json'), { latest: true }), 200),
  )
  .openapi(latest, async (c) => {
    const { key } = c.req.valid('param');
    const row = await readLatestArtifactRow(c.env.DB, key);
    if (!row) throw notFound('artifact', key);
    return c.json(await artifactFromRow(c.env, row), 200);
  })
  .openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const row = await readArtifactRow(c.env.DB, id);
    if (!row) throw notFound('artifact', id);
    return c.json(await artifactFromRow(c.env, row), 200);
  })
  .openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    const row = await readArtifactRow(c.env.DB, id);
    if (!row) throw notFound('artifact', id);
    const outcome = updatedArtifact(await artifactFromRow(c.env, row), c.req.valid('json'), new Date());
    if ('problem' in outcome)
      throw new ApiError(422, 'artifact.invalid_update', outcome.problem, outcome.field);
    const { data, dataKey, description, metadata, updated } = await artifactRow(c.env, outcome.artifact);
    await updateArtifactRow(c.env.DB, id, {
      data: data ?? null,
      dataKey: dataKey ?? null,
      description: description ?? null,
      metadata: metadata ?? null,
      updated: updated!,
    });
    return c.body(null, 204);
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    const row = await deleteArtifactRow(c.env.DB, id);
    if (!row) throw notFound('artifact', id);
    await deleteArtifactData(c.env, row);
    return c.body(null, 204);
  });
