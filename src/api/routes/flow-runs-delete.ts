// `POST /api/flow_runs/delete` (admin): deletes by hand the runs a filter matches, each whole with its
// subflow runs and only when final, exactly as retention deletes them (docs/retention.md).
import { createRoute } from '@hono/zod-openapi';
import { FlowRunDeleteBodySchema, FlowRunDeleteResultSchema } from 'edgeflow/protocol';
import { filterFlowRuns } from '../../db/flow-run-queries';
import { deleteFilterProblem } from '../../domain/retention';
import { deleteRunTrees } from '../../scheduler/run-deletion';
import { ApiError } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const deleteRuns = createRoute({
  method: 'post',
  path: '/flow_runs/delete',
  security: requiresScope('admin'),
  summary: 'Delete the final runs a filter matches (up to `limit`), each with its subflow runs',
  request: { body: jsonBody(FlowRunDeleteBodySchema) },
  responses: { 200: jsonResponse(FlowRunDeleteResultSchema, 'What was deleted, and what was kept and why') },
});

export const flowRunsDeleteRouter = createRouter().openapi(deleteRuns, async (c) => {
  const body = c.req.valid('json');
  const problem = deleteFilterProblem(body);
  if (problem) throw new ApiError(422, 'flow_run.delete_unfiltered', problem, 'flow_runs');
  const runs = await filterFlowRuns(c.env.DB, { ...body, sort: 'ID_DESC', offset: 0 });
  const outcome = await deleteRunTrees(
    c.env,
    runs.map((run) => run.id),
  );
  return c.json(outcome, 200);
});
