// POST /flow_runs/bulk: many runs, each created through its own run object as POST /flow_runs would,
// each succeeding or failing alone, at most 500 a request (docs/dashboard.md, "Bulk flow-run create").
import {
  FLOW_RUN_BULK_MAX,
  type FlowRun,
  type FlowRunBulkItemResult,
  type FlowRunBulkResult,
} from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api, createFlow } from './api';

const bulk = (flow_runs: unknown[], key?: string) =>
  api<FlowRunBulkResult>('POST', '/flow_runs/bulk', { flow_runs }, key);

type Created = Extract<FlowRunBulkItemResult, { flow_run: FlowRun }>;
const runOf = (result: FlowRunBulkItemResult | undefined) => (result as Created).flow_run;

const runsOfFlow = async (flowId: string) =>
  (await api<FlowRun[]>('POST', '/flow_runs/filter', { flows: { id: { any_: [flowId] } }, limit: 200 })).body;

describe('bulk flow-run create', () => {
  it('creates every item through its run object, and the index lists them', async () => {
    const flow_id = await createFlow();
    const { status, body } = await bulk([
      { flow_id, name: 'first', parameters: { n: 1 } },
      { flow_id, name: 'second', tags: ['bulk'] },
      { flow_id, name: 'pooled', work_pool_name: 'bulk-pool' },
    ]);
    expect(status).toBe(200);
    expect(body.results.map(({ index, status }) => ({ index, status }))).toEqual([
      { index: 0, status: 201 },
      { index: 1, status: 201 },
      { index: 2, status: 201 },
    ]);
    const [first, second, pooled] = body.results.map(runOf);
    expect(first).toMatchObject({ name: 'first', parameters: { n: 1 }, state_type: 'PENDING' });
    expect(second).toMatchObject({ name: 'second', tags: ['bulk'] });
    // The same rule as a single create: a run meant for an agent starts SCHEDULED.
    expect(pooled).toMatchObject({ state_type: 'SCHEDULED', work_queue_name: 'default' });
    expect((await api<FlowRun>('GET', `/flow_runs/${first!.id}`)).body.name).toBe('first');
    const listed = await runsOfFlow(flow_id);
    expect(listed.map((run) => run.name).sort()).toEqual(['first', 'pooled', 'second']);
  });

  it("reports an item's own error by its index, and still creates the others", async () => {
    const flow_id = await createFlow();
    const missing = crypto.randomUUID();
    const { status, body } = await bulk([{ flow_id }, { flow_id: missing }, { flow_id }]);
    expect(status).toBe(200);
    expect(body.results[1]).toEqual({
      index: 1,
      status: 404,
      error: { detail: `flow ${missing} not found`, code: 'flow.not_found', field: 'flow_runs[1].flow_id' },
    });
    expect([body.results[0]?.status, body.results[2]?.status]).toEqual([201, 201]);
    expect(await runsOfFlow(flow_id)).toHaveLength(2);
  });

  it('meets an existing run by idempotency key, within the request and across requests', async () => {
    const flow_id = await createFlow();
    const item = { flow_id, idempotency_key: 'nightly-2026-03-01' };
    const { body } = await bulk([item, item]);
    expect(body.results.map((result) => result.status).sort()).toEqual([200, 201]);
    expect(runOf(body.results[0]).id).toBe(runOf(body.results[1]).id);
    const again = await bulk([item]);
    expect(again.body.results[0]).toMatchObject({ status: 200, flow_run: { id: runOf(body.results[0]).id } });
    expect(await runsOfFlow(flow_id)).toHaveLength(1);
  });

  it(`takes at most ${FLOW_RUN_BULK_MAX} items, refusing a larger request whole`, async () => {
    const flow_id = await createFlow();
    const { status, body } = await bulk(Array.from({ length: FLOW_RUN_BULK_MAX + 1 }, () => ({ flow_id })));
    expect(status).toBe(422);
    expect(body).toMatchObject({ code: 'request.invalid', field: 'flow_runs' });
    expect((await bulk([])).status).toBe(422);
    expect(await runsOfFlow(flow_id)).toHaveLength(0);
  });

  it('refuses a malformed item before creating anything, naming its field', async () => {
    const flow_id = await createFlow();
    const { status, body } = await bulk([{ flow_id }, { flow_id, tags: 'not-a-list' }]);
    expect(status).toBe(422);
    expect(body).toMatchObject({ field: 'flow_runs[1].tags' });
    expect(await runsOfFlow(flow_id)).toHaveLength(0);
  });

  it('takes an agent key, as creating a run does, and refuses a read key', async () => {
    const flow_id = await createFlow();
    const keyOf = async (scope: 'agent' | 'read') =>
      (await api<{ key: string }>('POST', '/api_keys', { name: `bulk ${scope}`, scope })).body.key;
    expect((await bulk([{ flow_id }], await keyOf('agent'))).status).toBe(200);
    expect((await bulk([{ flow_id }], await keyOf('read'))).status).toBe(403);
  });
});
