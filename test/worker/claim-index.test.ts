// A claim that takes several runs writes their index rows in one D1 batch, from the pool, with what
// each run object handed over (src/durable/claim-index.ts): the index still has every run PENDING when
// the claim answers, each event is stored once, and a failed batch falls back to each object's own write.

import { env } from 'cloudflare:workers';
import type { ClaimResponse, FlowRun, OrchestrationResult } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { type HandedOverRun, writeClaimedIndexes } from '../../src/durable/claim-index';
import { flowRunObject } from '../../src/durable/objects';
import { api, createFlow } from './api';
import { refuseEventsOf } from './d1-faults';
import { claim, createPool, createPoolRun } from './pools';

const indexed = async (runIds: string[]) => {
  const { body } = await api<FlowRun[]>('POST', '/flow_runs/filter', { flow_runs: { id: { any_: runIds } } });
  return Object.fromEntries(body.map((run) => [run.id, run.state_name]));
};

const storedEvents = async (runId: string) =>
  (
    await env.DB.prepare('SELECT event FROM events WHERE resource_id = ? ORDER BY seq')
      .bind(`prefect.flow-run.${runId}`)
      .all<{ event: string }>()
  ).results.map((row) => row.event);

async function threeClaimed(): Promise<{ runs: FlowRun[]; answer: ClaimResponse }> {
  const pool = await createPool();
  const runs = [await createPoolRun(pool), await createPoolRun(pool), await createPoolRun(pool)];
  const answer = await claim(pool, { name: 'agent-a', limit: 3 });
  expect(answer.runs.map((claimed) => claimed.flow_run.id).sort()).toEqual(runs.map((run) => run.id).sort());
  return { runs, answer };
}

describe("a claim's index write", () => {
  it('has every run the claim took PENDING in the index, with its Pending event, when the claim answers', async () => {
    const { runs } = await threeClaimed();
    const ids = runs.map((run) => run.id);
    expect(await indexed(ids)).toEqual(Object.fromEntries(ids.map((id) => [id, 'Pending'])));
    for (const id of ids) {
      expect(await storedEvents(id)).toEqual(['prefect.flow-run.Scheduled', 'prefect.flow-run.Pending']);
    }
  });

  it("stores each event once when the run's object delivers again with its next state", async () => {
    const { runs, answer } = await threeClaimed();
    for (const claimed of answer.runs) {
      const started = await api<OrchestrationResult>('POST', `/flow_runs/${claimed.flow_run.id}/set_state`, {
        state: { type: 'RUNNING' },
        lease_id: claimed.lease_id,
      });
      expect(started.body.status).toBe('ACCEPT');
    }
    const ids = runs.map((run) => run.id);
    expect(await indexed(ids)).toEqual(Object.fromEntries(ids.map((id) => [id, 'Running'])));
    for (const id of ids) {
      expect(await storedEvents(id)).toEqual([
        'prefect.flow-run.Scheduled',
        'prefect.flow-run.Pending',
        'prefect.flow-run.Running',
      ]);
    }
  });

  it('has the runs a held claim took during their creates PENDING in the index when the claim answers', async () => {
    const pool = await createPool();
    const flow = await createFlow();
    const held = claim(pool, { name: 'agent-a', limit: 3, wait_ms: 5_000 });
    await new Promise((done) => setTimeout(done, 50));
    const created = Promise.all([1, 2, 3].map(() => createPoolRun(pool, { flow_id: flow })));
    const ids = (await held).runs.map((claimed) => claimed.flow_run.id);
    // The claim may answer before the creates: objects that have made no index write yet make this
    // one themselves, so the index has the runs (as PENDING) before the claim's answer.
    expect(await indexed(ids)).toEqual(Object.fromEntries(ids.map((id) => [id, 'Pending'])));
    await created;
  });

  it('is left to the pool by a run object asked to hand it over, and written by the pool in one batch', async () => {
    const pool = await createPool();
    const runs = [await createPoolRun(pool), await createPoolRun(pool)];
    const handed: HandedOverRun[] = [];
    for (const run of runs) {
      const reply = await flowRunObject(env, run.id).claim(crypto.randomUUID(), 'agent-a', {
        handOverIndex: true,
      });
      expect(reply).toMatchObject({ kind: 'claimed', run: { state_type: 'PENDING' } });
      if (reply.kind !== 'claimed' || !reply.index) throw new Error('no index handed over');
      expect(reply.index.flowRun).toMatchObject({ doc: { id: run.id, state_name: 'Pending' } });
      expect(reply.index.events.map((text) => JSON.parse(text).event)).toEqual(['prefect.flow-run.Pending']);
      handed.push({ runId: run.id, index: reply.index });
    }
    const ids = runs.map((run) => run.id);
    // The objects wrote nothing to D1 for their PENDING: the pool does, for both at once.
    expect(await indexed(ids)).toEqual(Object.fromEntries(ids.map((id) => [id, 'Scheduled'])));
    await writeClaimedIndexes(env, handed);
    expect(await indexed(ids)).toEqual(Object.fromEntries(ids.map((id) => [id, 'Pending'])));
    for (const id of ids) {
      expect(await storedEvents(id)).toEqual(['prefect.flow-run.Scheduled', 'prefect.flow-run.Pending']);
    }
  });

  it("never brings back the row of a run deleted between its claim and the pool's write", async () => {
    const pool = await createPool();
    const run = await createPoolRun(pool);
    const reply = await flowRunObject(env, run.id).claim(crypto.randomUUID(), 'agent-a', {
      handOverIndex: true,
    });
    if (reply.kind !== 'claimed' || !reply.index) throw new Error('no index handed over');
    expect((await api('DELETE', `/flow_runs/${run.id}`)).status).toBe(204);
    await writeClaimedIndexes(env, [{ runId: run.id, index: reply.index }]);
    expect(await indexed([run.id])).toEqual({});
    expect((await api('GET', `/flow_runs/${run.id}`)).status).toBe(404);
  });

  it('falls back to each run object writing its own rows when the batch fails', async () => {
    const pool = await createPool();
    const refused = await createPoolRun(pool);
    const others = [await createPoolRun(pool), await createPoolRun(pool)];
    // D1 refuses the refused run's events, so the claim's one batch fails as a whole.
    const allow = await refuseEventsOf(refused.id);
    try {
      const answer = await claim(pool, { name: 'agent-a', limit: 3 });
      expect(answer.runs).toHaveLength(3);
      // The others' objects wrote their own rows before the claim answered; the refused run's stays
      // behind, as any index write D1 refuses does, until its object's alarm retries it.
      const ids = others.map((run) => run.id);
      expect(await indexed(ids)).toEqual(Object.fromEntries(ids.map((id) => [id, 'Pending'])));
      for (const id of ids) {
        expect(await storedEvents(id)).toEqual(['prefect.flow-run.Scheduled', 'prefect.flow-run.Pending']);
      }
      expect(await indexed([refused.id])).toEqual({ [refused.id]: 'Scheduled' });
    } finally {
      await allow();
    }
  });
});
