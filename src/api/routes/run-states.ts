// Prefect's state-history reads, `GET /flow_run_states/?flow_run_id=` and `/task_run_states/?task_run_id=`,
// answered by the run's object like `/flow_runs/{id}/states` (docs/prefect-compat.md).
import { createRoute, z } from '@hono/zod-openapi';
import { StateSchema } from 'edgeflow/protocol';
import { flowRunIdOfTaskRun } from '../../db/flow-run-queries';
import { flowRunObject } from '../../durable/objects';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonResponse } from '../router';

const flowRunStates = createRoute({
  method: 'get',
  path: '/flow_run_states',
  security: requiresScope('read'),
  summary: "A flow run's state history, oldest first (empty for an unknown run, as Prefect answers)",
  request: { query: z.object({ flow_run_id: z.uuid() }) },
  responses: { 200: jsonResponse(z.array(StateSchema), 'The state history, oldest first') },
});

const taskRunStates = createRoute({
  method: 'get',
  path: '/task_run_states',
  security: requiresScope('read'),
  summary: "A task run's state history, oldest first (empty for an unknown run, as Prefect answers)",
  request: { query: z.object({ task_run_id: z.uuid() }) },
  responses: { 200: jsonResponse(z.array(StateSchema), 'The state history, oldest first') },
});

export const runStatesRouter = createRouter()
  .openapi(flowRunStates, async (c) => {
    const { flow_run_id } = c.req.valid('query');
    return c.json((await flowRunObject(c.env, flow_run_id).readStates()) ?? [], 200);
  })
  .openapi(taskRunStates, async (c) => {
    const { task_run_id } = c.req.valid('query');
    const flowRunId = await flowRunIdOfTaskRun(c.env.DB, task_run_id);
    const history = flowRunId ? await flowRunObject(c.env, flowRunId).readTaskRunStates(task_run_id) : null;
    return c.json(history ?? [], 200);
  });
