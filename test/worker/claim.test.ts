// Claiming: the long-poll that hands due runs to exactly one agent, in priority order, within limits.

import { runInDurableObject } from 'cloudflare:test';
import type { ClaimResponse, FlowRun, WorkerFlowRunResponse } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api, createFlow } from './api';
import {
  claim,
  createPool,
  createPoolRun,
  createQueue,
  poolStub,
  readRun,
  scheduledAt,
  sleep,
} from './pools';

const ids = (answer: ClaimResponse) => answer.runs.map((claimed) => claimed.flow_run.id);

describe('claim', () => {
  it('hands out a due run as PENDING with a lease', async () => {
    const pool = await createPool();
    const run = await createPoolRun(pool);
    const answer = await claim(pool, { name: 'agent-a' });
    expect(ids(answer)).toEqual([run.id]);
    expect(answer.runs[0]).toMatchObject({ work_queue_name: 'default', flow_run: { state_type: 'PENDING' } });
    expect(answer.runs[0]!.lease_id).toEqual(expect.any(String));
    expect((await readRun(run.id)).state_type).toBe('PENDING');
  });

  // Read-your-writes (docs/orchestration.md): the claim is the PENDING transition's answer, so a filter issued next sees it.
  const filterStates = async (runIds: string[]) =>
    (await api<FlowRun[]>('POST', '/flow_runs/filter', { flow_runs: { id: { any_: runIds } } })).body.map(
      (found) => found.state_type,
    );

  it('shows a claimed run PENDING in filters as soon as the claim has answered', async () => {
    const pool = await createPool();
    const run = await createPoolRun(pool);
    await claim(pool, { name: 'agent-a' });
    expect(await filterStates([run.id])).toEqual(['PENDING']);
  });

  it('shows a run claimed by a held claim PENDING in filters once the claim and the create answered', async () => {
    const pool = await createPool();
    const held = claim(pool, { name: 'agent-a', wait_ms: 5_000 });
    await sleep(50);
    const run = await createPoolRun(pool);
    expect(ids(await held)).toEqual([run.id]);
    expect(await filterStates([run.id])).toEqual(['PENDING']);
  });

  it('answers a held claim as soon as a run is created while it waits', async () => {
    const pool = await createPool();
    let answered = false;
    const held = claim(pool, { name: 'agent-a', wait_ms: 20_000 }).finally(() => {
      answered = true;
    });
    await sleep(200);
    // Nothing was due: the claim is still open when the run arrives.
    expect(answered).toBe(false);
    const run = await createPoolRun(pool);
    // The test's 5 s timeout is far below the 20 s wait: only the new run can have woken the claim.
    expect(ids(await held)).toEqual([run.id]);
  });

  it('answers an empty list when the wait ends with nothing due', async () => {
    const pool = await createPool();
    const started = Date.now();
    const answer = await claim(pool, { name: 'agent-a', wait_ms: 300 });
    expect(answer).toEqual({ runs: [], cancelling: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('gives one run to exactly one of two concurrent claimers', async () => {
    const pool = await createPool();
    const run = await createPoolRun(pool);
    const answers = await Promise.all([
      claim(pool, { name: 'agent-a', wait_ms: 500 }),
      claim(pool, { name: 'agent-b', wait_ms: 500 }),
    ]);
    expect(answers.flatMap(ids)).toEqual([run.id]);
  });

  it('hands each of 50 runs to exactly one of 5 concurrent claimers', async () => {
    const pool = await createPool();
    const flow_id = await createFlow();
    const runs = await Promise.all(Array.from({ length: 50 }, () => createPoolRun(pool, { flow_id })));
    const claimed: string[] = [];
    await Promise.all(
      Array.from({ length: 5 }, async (_, agent) => {
        for (;;) {
          const answer = await claim(pool, { name: `agent-${agent}`, limit: 3 });
          if (answer.runs.length === 0) return;
          claimed.push(...ids(answer));
        }
      }),
    );
    expect(claimed).toHaveLength(50);
    expect(new Set(claimed)).toEqual(new Set(runs.map((run) => run.id)));
    const states = await Promise.all(runs.map((run) => readRun(run.id)));
    expect(states.every((run) => run.state_type === 'PENDING')).toBe(true);
  }, 60_000);

  it('serves queues by priority, lower first, then by due time', async () => {
    const pool = await createPool();
    await createQueue(pool, { name: 'urgent', priority: 1 });
    await api('PATCH', `/work_pools/${pool}/queues/default`, { priority: 5 });
    const now = Date.now();
    const early = await createPoolRun(pool, scheduledAt(now - 2_000));
    const urgent = await createPoolRun(pool, { ...scheduledAt(now - 1_000), work_queue_name: 'urgent' });
    const later = await createPoolRun(pool, scheduledAt(now - 1_000));
    const answer = await claim(pool, { name: 'agent-a', limit: 3 });
    expect(ids(answer)).toEqual([urgent.id, early.id, later.id]);
  });

  it('draws only from the queues the agent names', async () => {
    const pool = await createPool();
    await createQueue(pool, { name: 'gpu' });
    await createPoolRun(pool);
    const gpu = await createPoolRun(pool, { work_queue_name: 'gpu' });
    const answer = await claim(pool, { name: 'agent-a', queues: ['gpu'], limit: 5 });
    expect(ids(answer)).toEqual([gpu.id]);
  });

  it('never exceeds the pool concurrency limit, counting PENDING and RUNNING runs', async () => {
    const pool = await createPool({ concurrency_limit: 2 });
    const runs = await Promise.all(Array.from({ length: 3 }, () => createPoolRun(pool)));
    const first = await claim(pool, { name: 'agent-a', limit: 5 });
    expect(first.runs).toHaveLength(2);
    await api('POST', `/flow_runs/${first.runs[0]!.flow_run.id}/set_state`, { state: { type: 'RUNNING' } });
    expect((await claim(pool, { name: 'agent-a', limit: 5 })).runs).toHaveLength(0);

    // A run finishing frees its slot, and wakes a held claim for the last run.
    const held = claim(pool, { name: 'agent-b', limit: 5, wait_ms: 20_000 });
    await api('POST', `/flow_runs/${first.runs[0]!.flow_run.id}/set_state`, { state: { type: 'COMPLETED' } });
    const rest = runs.map((run) => run.id).filter((id) => !ids(first).includes(id));
    expect(ids(await held)).toEqual(rest);
  });

  it('never exceeds a queue concurrency limit, while other queues still dispatch', async () => {
    const pool = await createPool();
    await createQueue(pool, { name: 'narrow', concurrency_limit: 1 });
    const narrow = await Promise.all([1, 2].map(() => createPoolRun(pool, { work_queue_name: 'narrow' })));
    const wide = await createPoolRun(pool);
    const got = ids(await claim(pool, { name: 'agent-a', limit: 5 }));
    expect(got).toHaveLength(2);
    expect(got.filter((id) => narrow.some((run) => run.id === id))).toHaveLength(1);
    expect(got).toContain(wide.id);
  });

  it('dispatches nothing from a paused pool until it is resumed', async () => {
    const pool = await createPool({ paused: true });
    const run = await createPoolRun(pool);
    expect((await claim(pool, { name: 'agent-a' })).runs).toEqual([]);
    const held = claim(pool, { name: 'agent-a', wait_ms: 20_000 });
    expect((await api('PATCH', `/work_pools/${pool}`, { paused: false })).status).toBe(204);
    expect(ids(await held)).toEqual([run.id]);
  });

  it('dispatches nothing from a paused queue', async () => {
    const pool = await createPool();
    await api('PATCH', `/work_pools/${pool}/queues/default`, { paused: true });
    await createPoolRun(pool);
    expect((await claim(pool, { name: 'agent-a' })).runs).toEqual([]);
  });

  it('does not hand out runs scheduled for later, and arms its alarm for their time', async () => {
    const pool = await createPool();
    const due = Date.now() + 60_000;
    await createPoolRun(pool, scheduledAt(due));
    expect((await claim(pool, { name: 'agent-a' })).runs).toEqual([]);
    const alarm = await runInDurableObject(poolStub(pool), (_, state) => state.storage.getAlarm());
    expect(alarm).toBe(due);
  });

  it('releases a run scheduled for later at its time, from the pool alarm', async () => {
    const pool = await createPool();
    const due = Date.now() + 1_000;
    const run = await createPoolRun(pool, scheduledAt(due));
    const answer = await claim(pool, { name: 'agent-a', wait_ms: 20_000 });
    expect(ids(answer)).toEqual([run.id]);
    expect(Date.now()).toBeGreaterThanOrEqual(due);
    expect(Date.now() - due).toBeLessThan(5_000);
  });

  it("answers Prefect's read-only poll in dispatch order, without claiming", async () => {
    const pool = await createPool();
    await createQueue(pool, { name: 'urgent', priority: 1 });
    await api('PATCH', `/work_pools/${pool}/queues/default`, { priority: 5 });
    const now = Date.now();
    const normal = await createPoolRun(pool, scheduledAt(now - 2_000));
    const urgent = await createPoolRun(pool, { ...scheduledAt(now - 1_000), work_queue_name: 'urgent' });
    await createPoolRun(pool, scheduledAt(now + 3_600_000));
    const { status, body } = await api<WorkerFlowRunResponse[]>(
      'POST',
      `/work_pools/${pool}/get_scheduled_flow_runs`,
      { scheduled_before: new Date().toISOString() },
    );
    expect(status).toBe(200);
    expect(body.map((entry) => entry.flow_run.id)).toEqual([urgent.id, normal.id]);
    const urgentQueue = await api<{ id: string }>('GET', `/work_pools/${pool}/queues/urgent`);
    expect(body[0]!.work_queue_id).toBe(urgentQueue.body.id);
    expect((await readRun(normal.id)).state_type).toBe('SCHEDULED');
  });

  it('answers a claim repeated with its claim_id with the runs it leased, never new ones', async () => {
    const pool = await createPool();
    const flow_id = await createFlow();
    await Promise.all([1, 2].map(() => createPoolRun(pool, { flow_id })));
    const first = await claim(pool, { name: 'agent-a', limit: 2, claim_id: 'claim-1' });
    expect(first.runs).toHaveLength(2);
    const late = await createPoolRun(pool, { flow_id });

    // The first answer was lost on the way: the retry carries the same id.
    const retried = await claim(pool, { name: 'agent-a', limit: 5, claim_id: 'claim-1' });
    const leases = (answer: ClaimResponse) =>
      answer.runs.map((claimed) => [claimed.flow_run.id, claimed.lease_id, claimed.flow_run.state_type]);
    expect(leases(retried).sort()).toEqual(leases(first).sort());
    expect((await readRun(late.id)).state_type).toBe('SCHEDULED');
    // A new claim id is a new claim.
    expect(ids(await claim(pool, { name: 'agent-a', limit: 5, claim_id: 'claim-2' }))).toEqual([late.id]);
  });

  it('leaves out of a repeated claim the runs no longer PENDING under its lease', async () => {
    const pool = await createPool();
    const flow_id = await createFlow();
    await Promise.all([1, 2].map(() => createPoolRun(pool, { flow_id })));
    const first = await claim(pool, { name: 'agent-a', limit: 2, claim_id: 'claim-1' });
    const [started, waiting] = first.runs;
    await api('POST', `/flow_runs/${started!.flow_run.id}/set_state`, {
      state: { type: 'RUNNING' },
      lease_id: started!.lease_id,
    });
    expect(ids(await claim(pool, { name: 'agent-a', limit: 2, claim_id: 'claim-1' }))).toEqual([
      waiting!.flow_run.id,
    ]);
  });

  it('remembers a claim for its agent only', async () => {
    const pool = await createPool();
    await createPoolRun(pool);
    expect((await claim(pool, { name: 'agent-a', claim_id: 'shared-id' })).runs).toHaveLength(1);
    const other = await createPoolRun(pool);
    expect(ids(await claim(pool, { name: 'agent-b', claim_id: 'shared-id' }))).toEqual([other.id]);
  });

  it('hands nothing to a held claim once a retry with its claim_id arrives; the retry gets the run', async () => {
    const pool = await createPool();
    const abandoned = claim(pool, { name: 'agent-a', wait_ms: 20_000, claim_id: 'claim-1' });
    await sleep(100);
    const retry = claim(pool, { name: 'agent-a', wait_ms: 20_000, claim_id: 'claim-1' });
    // The held original ends empty as soon as the retry takes its place.
    expect(await abandoned).toEqual({ runs: [], cancelling: [] });
    const run = await createPoolRun(pool);
    expect(ids(await retry)).toEqual([run.id]);
  });

  it('remembers only the latest few claims of each agent', async () => {
    const pool = await createPool();
    const flow_id = await createFlow();
    await Promise.all(Array.from({ length: 6 }, () => createPoolRun(pool, { flow_id })));
    for (let i = 0; i < 6; i++) await claim(pool, { name: 'agent-a', claim_id: `claim-${i}` });
    const remembered = await runInDurableObject(poolStub(pool), (_, state) =>
      state.storage.sql
        .exec<{ claim_id: string }>("SELECT DISTINCT claim_id FROM claims WHERE agent = 'agent-a'")
        .toArray()
        .map((row) => row.claim_id)
        .sort(),
    );
    expect(remembered).toEqual(['claim-2', 'claim-3', 'claim-4', 'claim-5']);
  });

  it('is 404 for an unknown pool and for an unknown queue, 422 naming a bad field', async () => {
    expect((await api('POST', '/work_pools/no-such-pool/claim', { name: 'a' })).status).toBe(404);
    const pool = await createPool();
    const queue = await api<{ code: string; field: string }>('POST', `/work_pools/${pool}/claim`, {
      name: 'a',
      queues: ['nope'],
    });
    expect(queue.status).toBe(404);
    expect(queue.body).toMatchObject({ code: 'work_queue.not_found', field: 'queues' });
    const bad = await api<{ field: string }>('POST', `/work_pools/${pool}/claim`, {
      name: 'a',
      wait_ms: 60_000,
    });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe('wait_ms');
  });
});
