// Claims whose answer reaches no one: an agent that stops with a claim in flight releases it, and a
// claim whose client disconnects is abandoned by the API. Held, such a claim ends; answered, its runs
// go back to the queue instead of staying PENDING until their leases lapse.

import type { ClaimResponse, OrchestrationResult, State } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api } from './api';
import { claim, createPool, createPoolRun, poolStub, readRun, sleep } from './pools';

const ids = (answer: ClaimResponse) => answer.runs.map((claimed) => claimed.flow_run.id);

async function release(pool: string, name: string, claimId: string): Promise<number> {
  return (await api('POST', `/work_pools/${pool}/release_claim`, { name, claim_id: claimId })).status;
}

describe('releasing a claim', () => {
  it('ends a held claim empty, and the run created next goes to another agent', async () => {
    const pool = await createPool();
    const held = claim(pool, { name: 'agent-a', wait_ms: 20_000, claim_id: 'claim-1' });
    await sleep(100);
    expect(await release(pool, 'agent-a', 'claim-1')).toBe(204);
    expect(await held).toEqual({ runs: [], cancelling: [] });

    const run = await createPoolRun(pool);
    expect(ids(await claim(pool, { name: 'agent-b', claim_id: 'claim-2' }))).toEqual([run.id]);
  });

  it('gives back the runs its answer leased: SCHEDULED again, claimable, the old lease refused', async () => {
    const pool = await createPool();
    const run = await createPoolRun(pool);
    const lost = await claim(pool, { name: 'agent-a', claim_id: 'claim-1' });
    expect(ids(lost)).toEqual([run.id]);

    expect(await release(pool, 'agent-a', 'claim-1')).toBe(204);
    const given = await readRun(run.id);
    expect(given).toMatchObject({ state_type: 'SCHEDULED', state_name: 'Scheduled' });
    expect(given.state?.message).toMatch(/went away before it received it/);

    const again = await claim(pool, { name: 'agent-b', claim_id: 'claim-2' });
    expect(ids(again)).toEqual([run.id]);
    // Had agent-a read its answer after all, its RUNNING would carry a lease that is no longer the run's.
    const late = await api<OrchestrationResult>('POST', `/flow_runs/${run.id}/set_state`, {
      state: { type: 'RUNNING' },
      lease_id: lost.runs[0]!.lease_id,
    });
    expect(late.status).toBe(409);
    const started = await api<OrchestrationResult>('POST', `/flow_runs/${run.id}/set_state`, {
      state: { type: 'RUNNING' },
      lease_id: again.runs[0]!.lease_id,
    });
    expect(started.body.status).toBe('ACCEPT');
  });

  it('leaves a run alone once its agent has started it', async () => {
    const pool = await createPool();
    const run = await createPoolRun(pool);
    const answer = await claim(pool, { name: 'agent-a', claim_id: 'claim-1' });
    await api('POST', `/flow_runs/${run.id}/set_state`, {
      state: { type: 'RUNNING' },
      lease_id: answer.runs[0]!.lease_id,
    });
    expect(await release(pool, 'agent-a', 'claim-1')).toBe(204);
    expect((await readRun(run.id)).state_type).toBe('RUNNING');
  });

  it("touches only the releasing agent's claim", async () => {
    const pool = await createPool();
    const run = await createPoolRun(pool);
    expect(ids(await claim(pool, { name: 'agent-a', claim_id: 'same-id' }))).toEqual([run.id]);
    expect(await release(pool, 'agent-b', 'same-id')).toBe(204);
    expect((await readRun(run.id)).state_type).toBe('PENDING');
  });

  it('ends at once a claim released before it arrived', async () => {
    const pool = await createPool();
    expect(await release(pool, 'agent-a', 'claim-1')).toBe(204);
    await createPoolRun(pool);
    expect(await claim(pool, { name: 'agent-a', wait_ms: 20_000, claim_id: 'claim-1' })).toEqual({
      runs: [],
      cancelling: [],
    });
  });

  it('answers 404 for an unknown pool and 422 naming a missing claim_id', async () => {
    const unknown = await api<{ code: string }>('POST', '/work_pools/no-such-pool/release_claim', {
      name: 'agent-a',
      claim_id: 'claim-1',
    });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'work_pool.not_found' } });
    const pool = await createPool();
    const invalid = await api<{ field: string }>('POST', `/work_pools/${pool}/release_claim`, {
      name: 'agent-a',
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.field).toBe('claim_id');
  });
});

// Deployed, the API abandons a claim by its request's ticket when the client disconnects (local
// workerd never fires the request's signal, so the pool's side is exercised directly).
describe('abandoning a claim by its ticket', () => {
  it('gives back the runs of an answer that reached no one', async () => {
    const pool = await createPool();
    const run = await createPoolRun(pool);
    const stub = poolStub(pool);
    const outcome = await stub.claim(pool, { name: 'agent-a', limit: 1, wait_ms: 0, ticket: 'ticket-1' });
    expect(outcome).toMatchObject({ kind: 'ok', response: { runs: [{ flow_run: { id: run.id } }] } });
    await stub.abandonClaim({ ticket: 'ticket-1' });
    const states = (await api<State[]>('GET', `/flow_runs/${run.id}/states`)).body.map((s) => s.type);
    expect(states).toEqual(['SCHEDULED', 'PENDING', 'SCHEDULED']);
  });

  it('ends a held claim, and one abandoned before it arrives ends at once', async () => {
    const pool = await createPool();
    const stub = poolStub(pool);
    const held = stub.claim(pool, { name: 'agent-a', limit: 1, wait_ms: 20_000, ticket: 'ticket-1' });
    await sleep(100);
    await stub.abandonClaim({ ticket: 'ticket-1' });
    expect(await held).toEqual({ kind: 'ok', response: { runs: [], cancelling: [] } });

    await stub.abandonClaim({ ticket: 'ticket-2' });
    await createPoolRun(pool);
    const late = await stub.claim(pool, { name: 'agent-a', limit: 1, wait_ms: 20_000, ticket: 'ticket-2' });
    expect(late).toEqual({ kind: 'ok', response: { runs: [], cancelling: [] } });
  });
});
