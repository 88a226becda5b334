// Flow runs: created and changed through their Durable Object; listed and counted from the D1 index.
import { createRoute, z } from '@hono/zod-openapi';
import {
  FlowRunCreateSchema,
  FlowRunFilterBodySchema,
  FlowRunSchema,
  FlowRunUpdateSchema,
  OrchestrationResultSchema,
  ResumeBodySchema,
  SetStateBodySchema,
  StateSchema,
  TaskRunBatchBodySchema,
  TaskRunBatchResponseSchema,
  TaskRunListQuerySchema,
  TaskRunSchema,
} from 'edgeflow/protocol';
import { countFlowRuns, filterFlowRuns } from '../../db/flow-run-queries';
import { createFlowRun } from '../../durable/flow-run-creation';
import type { SetStateReply } from '../../durable/flow-run-object';
import { flowRunObject } from '../../durable/objects';
import { deleteOneRun } from '../../scheduler/run-deletion';
import { checkedArtifacts, saveArtifacts } from '../artifact-data';
import { ApiError, conflict, flowNotFound, notFound } from '../errors';
import { utcEvent } from '../events-input';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse, optionalJsonBody } from '../router';

const IdParam = z.object({ id: z.uuid() });
const staleLease = () =>
  conflict(
    'flow_run.stale_lease',
    "This lease is no longer the run's: another attempt owns the run now.",
    'lease_id',
  );

/** Maps the object's reply to Prefect's contract: 201 when a state was written, 200 when not. */
function orchestrationReply(reply: SetStateReply, id: string) {
  if (reply.kind === 'not_found') throw notFound('flow_run', id);
  if (reply.kind === 'stale_lease') throw staleLease();
  return { body: reply.result, status: reply.written ? (201 as const) : (200 as const) };
}

const create = createRoute({
  method: 'post',
  path: '/flow_runs',
  security: requiresScope('agent'),
  request: { body: jsonBody(FlowRunCreateSchema) },
  responses: {
    201: jsonResponse(FlowRunSchema, 'Flow run created'),
    200: jsonResponse(FlowRunSchema, 'A run with this idempotency key already existed'),
  },
});

const read = createRoute({
  method: 'get',
  path: '/flow_runs/{id}',
  security: requiresScope('read'),
  request: { params: IdParam },
  responses: { 200: jsonResponse(FlowRunSchema, 'The flow run') },
});

const update = createRoute({
  method: 'patch',
  path: '/flow_runs/{id}',
  security: requiresScope('agent'),
  request: { params: IdParam, body: jsonBody(FlowRunUpdateSchema) },
  responses: { 204: { description: 'Updated' } },
});

const remove = createRoute({
  method: 'delete',
  path: '/flow_runs/{id}',
  security: requiresScope('admin'),
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' } },
});

const setState = createRoute({
  method: 'post',
  path: '/flow_runs/{id}/set_state',
  security: requiresScope('agent'),
  request: { params: IdParam, body: jsonBody(SetStateBodySchema) },
  responses: {
    201: jsonResponse(OrchestrationResultSchema, 'A new state was written'),
    200: jsonResponse(OrchestrationResultSchema, 'No state was written'),
  },
});

const states = createRoute({
  method: 'get',
  path: '/flow_runs/{id}/states',
  security: requiresScope('read'),
  request: { params: IdParam },
  responses: { 200: jsonResponse(z.array(StateSchema), 'The state history, oldest first') },
});

const resume = createRoute({
  method: 'post',
  path: '/flow_runs/{id}/resume',
  security: requiresScope('agent'),
  request: {
    params: IdParam,
    body: optionalJsonBody(ResumeBodySchema),
  },
  responses: {
    201: jsonResponse(OrchestrationResultSchema, 'The run left PAUSED'),
    200: jsonResponse(OrchestrationResultSchema, 'Nothing was written'),
  },
});

const filter = createRoute({
  method: 'post',
  path: '/flow_runs/filter',
  security: requiresScope('read'),
  request: { body: jsonBody(FlowRunFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(FlowRunSchema), 'Matching flow runs') },
});

const count = createRoute({
  method: 'post',
  path: '/flow_runs/count',
  security: requiresScope('read'),
  request: { body: jsonBody(FlowRunFilterBodySchema.pick({ flows: true, flow_runs: true })) },
  responses: { 200: jsonResponse(z.number().int(), 'How many flow runs match') },
});

const taskBatch = createRoute({
  method: 'post',
  path: '/flow_runs/{id}/task_runs/batch',
  security: requiresScope('agent'),
  request: { params: IdParam, body: jsonBody(TaskRunBatchBodySchema) },
  responses: { 200: jsonResponse(TaskRunBatchResponseSchema, 'One result per item, in order') },
});

const taskRunList = createRoute({
  method: 'get',
  path: '/flow_runs/{id}/task_runs',
  security: requiresScope('read'),
  summary: "The run's task runs in creation order, read from its object (not the index)",
  request: { params: IdParam, query: TaskRunListQuerySchema },
  responses: { 200: jsonResponse(z.array(TaskRunSchema), 'A page of task runs') },
});

export const flowRunsRouter = createRouter()
  .openapi(create, async (c) => {
    const body = c.req.valid('json');
    const result = await createFlowRun(c.env, body, new Date());
    if (result.kind === 'flow_not_found') throw flowNotFound(body.flow_id);
    const { created, run } = result;
    return c.json(run, created ? 201 : 200);
  })
  .openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const run = await flowRunObject(c.env, id).read();
    if (!run) throw notFound('flow_run', id);
    return c.json(run, 200);
  })
  .openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await flowRunObject(c.env, id).update(c.req.valid('json')))) throw notFound('flow_run', id);
    return c.body(null, 204);
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await deleteOneRun(c.env, id))) throw notFound('flow_run', id);
    return c.body(null, 204);
  })
  .openapi(setState, async (c) => {
    const { id } = c.req.valid('param');
    const { body, status } = orchestrationReply(
      await flowRunObject(c.env, id).setState(c.req.valid('json')),
      id,
    );
    return c.json(body, status);
  })
  .openapi(states, async (c) => {
    const { id } = c.req.valid('param');
    const history = await flowRunObject(c.env, id).readStates();
    if (!history) throw notFound('flow_run', id);
    return c.json(history, 200);
  })
  .openapi(resume, async (c) => {
    const { id } = c.req.valid('param');
    const reply = await flowRunObject(c.env, id).resume(c.req.valid('json').run_input);
    // A pause waiting for typed input refuses input that does not fit its schema, naming the field.
    if (reply.kind === 'invalid_input')
      throw new ApiError(422, 'flow_run.invalid_run_input', reply.message, reply.field);
    const answer = orchestrationReply(reply, id);
    return c.json(answer.body, answer.status);
  })
  .openapi(filter, async (c) => c.json(await filterFlowRuns(c.env.DB, c.req.valid('json')), 200))
  .openapi(count, async (c) => c.json(await countFlowRuns(c.env.DB, c.req.valid('json')), 200))
  .openapi(taskBatch, async (c) => {
    const { id } = c.req.valid('param');
    const {
      items,
      lease_id,
      defer_index,
      omit_states,
      events,
      artifacts,
      artifact_progress,
      flow_run_state,
    } = c.req.valid('json');
    // Checked before anything is applied, so a refused artifact leaves the whole batch unapplied.
    const now = new Date();
    const made = checkedArtifacts(artifacts, { now, flowRunId: id, fieldPrefix: (i) => `artifacts[${i}].` });
    const reply = await flowRunObject(c.env, id).applyTaskBatch(items, {
      leaseId: lease_id,
      deferIndex: defer_index,
      omitStates: omit_states,
      events: events.map(utcEvent),
      flowRunState: flow_run_state,
    });
    if (reply.kind === 'not_found') throw notFound('flow_run', id);
    if (reply.kind === 'stale_lease') throw staleLease();
    // After the run took the batch: a resend stores each artifact once (by id), docs/artifacts.md.
    await saveArtifacts(c.env, made, { flowRunId: id, updates: artifact_progress, now });
    const flowRunResult = reply.flowRun && { flow_run_result: reply.flowRun.result };
    return c.json({ results: reply.results, ...flowRunResult }, 200);
  })
  .openapi(taskRunList, async (c) => {
    const { id } = c.req.valid('param');
    const { offset, limit } = c.req.valid('query');
    const runs = await flowRunObject(c.env, id).listTaskRuns(offset, limit);
    if (!runs) throw notFound('flow_run', id);
    return c.json(runs, 200);
  });
