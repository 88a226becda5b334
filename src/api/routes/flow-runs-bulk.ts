// Many flow runs in one request, each created through its own run object exactly as POST /flow_runs
// creates one: every item succeeds or fails alone (docs/dashboard.md, "Bulk flow-run create").
import { createRoute } from '@hono/zod-openapi';
import {
  FlowRunBulkCreateSchema,
  type FlowRunBulkItemResult,
  FlowRunBulkResultSchema,
  type FlowRunCreate,
} from 'edgeflow/protocol';
import { existingFlowIds } from '../../db/flows';
import { createFlowRun } from '../../durable/flow-run-creation';
import type { Env } from '../../env';
import { settleAll } from '../../scheduler/concurrently';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

/** Run objects asked at once: enough to hide each one's round trip, few enough not to queue in D1. */
const PARALLEL_CREATES = 32;

const bulkCreate = createRoute({
  method: 'post',
  path: '/flow_runs/bulk',
  security: requiresScope('agent'),
  summary: 'Create up to 500 flow runs, each through its run object; each item succeeds or fails alone',
  request: { body: jsonBody(FlowRunBulkCreateSchema) },
  responses: { 200: jsonResponse(FlowRunBulkResultSchema, 'One result per item, in request order') },
});

async function createItem(
  env: Env,
  item: FlowRunCreate,
  index: number,
  flows: Set<string>,
  now: Date,
): Promise<FlowRunBulkItemResult> {
  const flowMissing = {
    index,
    status: 404,
    error: {
      detail: `flow ${item.flow_id} not found`,
      code: 'flow.not_found',
      field: `flow_runs[${index}].flow_id`,
    },
  };
  if (!flows.has(item.flow_id)) return flowMissing;
  const result = await createFlowRun(env, item, now, { flowKnown: true });
  if (result.kind === 'flow_not_found') return flowMissing;
  return { index, status: result.created ? 201 : 200, flow_run: result.run };
}

/** An item whose object could not be reached or failed: it may or may not exist, so say how to retry. */
function unavailable(index: number, reason: unknown): FlowRunBulkItemResult {
  console.error(`bulk flow run create: item ${index} failed`, reason);
  return {
    index,
    status: 503,
    error: {
      detail: `flow_runs[${index}] could not be created (${reason instanceof Error ? reason.message : 'unknown error'}); send it again, with an idempotency_key so a retry can't create it twice.`,
      code: 'flow_run.unavailable',
      field: `flow_runs[${index}]`,
    },
  };
}

export const flowRunsBulkRouter = createRouter().openapi(bulkCreate, async (c) => {
  const { flow_runs: items } = c.req.valid('json');
  const now = new Date();
  // One D1 read checks every item's flow, instead of one per item.
  const flows = await existingFlowIds(c.env.DB, [...new Set(items.map((item) => item.flow_id))]);
  const outcomes = await settleAll(
    items.map((item, index) => () => createItem(c.env, item, index, flows, now)),
    PARALLEL_CREATES,
  );
  const results = outcomes.map((outcome, index) =>
    outcome.status === 'fulfilled' ? outcome.value : unavailable(index, outcome.reason),
  );
  return c.json({ results }, 200);
});
