// Leases, heartbeats, crashes, cancellation, Late marking and worker liveness.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import type { FlowRun, OrchestrationResult, Worker, WorkPool } from 'edgeflow/protocol';
import { describe, expect, it, vi } from 'vitest';
import { api } from './api';
import {
  advancePoolClock,
  claim,
  createPool,
  createPoolRun,
  heartbeat,
  poolStub,
  readRun,
  scheduledAt,
  sleep,
} from './pools';

/** Moves the pool's clock past every lease deadline (the longest interval here is 30 s) and fires its alarm. */
async function lapseLeases(pool: string): Promise<void> {
  await advancePoolClock(pool, 10 * 60_000);
  await runDurableObjectAlarm(poolStub(pool));
}

async function claimOne(pool: string, agent: string): Promise<{ run: FlowRun; lease: string }> {
  const answer = await claim(pool, { name: agent });
  expect(answer.runs).toHaveLength(1);
  return { run: answer.runs[0]!.flow_run, lease: answer.runs[0]!.lease_id };
}

describe('leases', () => {
  it('a lease lapses after three missed heartbeat intervals, unless heartbeats renew it', async () => {
    const pool = await createPool();
    await heartbeat(pool, 'agent-a', [], 1);
    const kept = await createPoolRun(pool);
    const { run: keptRun } = await claimOne(pool, 'agent-a');
    expect(keptRun.id).toBe(kept.id);
    const dropped = await createPoolRun(pool);
    await claimOne(pool, 'agent-a');
    // Both leases start with a 3 s deadline (3 intervals of 1 s); only `kept` is listed in heartbeats.
    await advancePoolClock(pool, 2_000);
    await heartbeat(pool, 'agent-a', [kept.id], 1);
    await advancePoolClock(pool, 1_500);
    await runDurableObjectAlarm(poolStub(pool));
    expect((await readRun(dropped.id)).state_type).toBe('CRASHED');
    expect((await readRun(kept.id)).state_type).toBe('PENDING');
  });

  it('a lapsed lease makes the run CRASHED with a message saying why', async () => {
    const pool = await createPool();
    await heartbeat(pool, 'host-123', [], 10);
    const created = await createPoolRun(pool);
    await claimOne(pool, 'host-123');
    await lapseLeases(pool);
    const run = await readRun(created.id);
    expect(run.state_type).toBe('CRASHED');
    expect(run.state?.message).toContain('Agent host-123 missed 3 heartbeats (30 s)');
  });

  it('a crashed run with retries left goes back to SCHEDULED AwaitingRetry and is claimable again', async () => {
    const pool = await createPool();
    const created = await createPoolRun(pool, { empirical_policy: { retries: 1, retry_delay: 0 } });
    await claimOne(pool, 'agent-a');
    await lapseLeases(pool);
    const run = await readRun(created.id);
    expect(run).toMatchObject({ state_type: 'SCHEDULED', state_name: 'AwaitingRetry' });
    const again = await claimOne(pool, 'agent-b');
    expect(again.run.id).toBe(created.id);
    expect(again.run.state_type).toBe('PENDING');
  });

  it('watches no lease of a run that ended: a finished run is never crashed by its pool', async () => {
    const pool = await createPool();
    await createPoolRun(pool);
    const { run, lease } = await claimOne(pool, 'agent-a');
    for (const type of ['RUNNING', 'COMPLETED']) {
      await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type }, lease_id: lease });
    }
    const deadlines = await runInDurableObject(poolStub(pool), (_, state) =>
      state.storage.sql.exec('SELECT lease_deadline FROM runs WHERE id = ?', run.id).toArray(),
    );
    expect(deadlines).toEqual([{ lease_deadline: null }]);
    await lapseLeases(pool);
    expect((await readRun(run.id)).state_type).toBe('COMPLETED');
  });

  it("refuses a stale lease's set_state with 409 once another attempt owns the run", async () => {
    const pool = await createPool();
    const created = await createPoolRun(pool, { empirical_policy: { retries: 1, retry_delay: 0 } });
    const first = await claimOne(pool, 'agent-a');
    await lapseLeases(pool);
    const second = await claimOne(pool, 'agent-b');
    const stale = await api<{ code: string }>('POST', `/flow_runs/${created.id}/set_state`, {
      state: { type: 'RUNNING' },
      lease_id: first.lease,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('flow_run.stale_lease');
    const current = await api<OrchestrationResult>('POST', `/flow_runs/${created.id}/set_state`, {
      state: { type: 'RUNNING' },
      lease_id: second.lease,
    });
    expect(current.status).toBe(201);
  });

  it('a heartbeat reports runs that are no longer the agent’s as lost', async () => {
    const pool = await createPool();
    const created = await createPoolRun(pool, { empirical_policy: { retries: 1, retry_delay: 0 } });
    await claimOne(pool, 'agent-a');
    await lapseLeases(pool);
    await claimOne(pool, 'agent-b');
    const unknown = crypto.randomUUID();
    expect(await heartbeat(pool, 'agent-a', [created.id, unknown])).toEqual({
      cancelling: [],
      lost: [created.id, unknown],
    });
    expect(await heartbeat(pool, 'agent-b', [created.id])).toEqual({ cancelling: [], lost: [] });
  });
});

describe('cancellation', () => {
  it('reports a CANCELLING run to its agent at the next heartbeat', async () => {
    const pool = await createPool();
    await createPoolRun(pool);
    const { run } = await claimOne(pool, 'agent-a');
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' } });
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'CANCELLING' } });
    expect(await heartbeat(pool, 'agent-a', [run.id])).toEqual({ cancelling: [run.id], lost: [] });
  });

  it('answers the agent’s held claim at once with the run it must cancel', async () => {
    const pool = await createPool();
    await createPoolRun(pool);
    const { run } = await claimOne(pool, 'agent-a');
    const held = claim(pool, { name: 'agent-a', wait_ms: 20_000 });
    await sleep(100);
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'CANCELLING' } });
    expect(await held).toEqual({ runs: [], cancelling: [run.id] });
  });
});

describe('late runs', () => {
  it('marks a SCHEDULED run Late 15 s after its time, and it stays claimable', async () => {
    const pool = await createPool({ paused: true });
    const created = await createPoolRun(pool, scheduledAt(Date.now() - 20_000));
    await runDurableObjectAlarm(poolStub(pool));
    await vi.waitFor(async () => expect((await readRun(created.id)).state_name).toBe('Late'), {
      timeout: 5_000,
      interval: 100,
    });
    await api('PATCH', `/work_pools/${pool}`, { paused: false });
    const { run } = await claimOne(pool, 'agent-a');
    expect(run.id).toBe(created.id);
  });

  it('leaves a run alone before 15 s have passed since its time', async () => {
    const pool = await createPool({ paused: true });
    const created = await createPoolRun(pool, scheduledAt(Date.now() - 5_000));
    await runDurableObjectAlarm(poolStub(pool));
    expect((await readRun(created.id)).state_name).toBe('Scheduled');
  });
});

describe('workers', () => {
  it('lists agents ONLINE while their heartbeats are within 3 intervals, then OFFLINE', async () => {
    const pool = await createPool();
    await heartbeat(pool, 'fast', [], 1);
    await heartbeat(pool, 'slow', [], 60);
    expect((await api<WorkPool>('GET', `/work_pools/${pool}`)).body.status).toBe('READY');
    const statuses = async () =>
      Object.fromEntries(
        (await api<Worker[]>('GET', `/work_pools/${pool}/workers`)).body.map((w) => [w.name, w.status]),
      );
    expect(await statuses()).toEqual({ fast: 'ONLINE', slow: 'ONLINE' });
    await advancePoolClock(pool, 3_100);
    expect(await statuses()).toEqual({ fast: 'OFFLINE', slow: 'ONLINE' });
    const filtered = await api<Worker[]>('POST', `/work_pools/${pool}/workers/filter`, {
      workers: { status: { any_: ['OFFLINE'] } },
    });
    expect(filtered.body.map((w) => w.name)).toEqual(['fast']);
  });

  it("deletes a worker's record (Prefect's DELETE …/workers/{name}); its leases stay with its runs", async () => {
    const pool = await createPool();
    await createPoolRun(pool);
    const { run } = await claimOne(pool, 'gone');
    await heartbeat(pool, 'gone', [run.id]);
    await heartbeat(pool, 'kept', []);
    const names = async () =>
      (await api<Worker[]>('GET', `/work_pools/${pool}/workers`)).body.map((w) => w.name).sort();
    expect(await names()).toEqual(['gone', 'kept']);

    expect((await api('DELETE', `/work_pools/${pool}/workers/gone`)).status).toBe(204);
    expect(await names()).toEqual(['kept']);
    const again = await api<{ detail: string }>('DELETE', `/work_pools/${pool}/workers/gone`);
    expect(again.status).toBe(404);
    expect(again.body.detail).toContain('gone');
    expect((await api('DELETE', '/work_pools/no-such-pool/workers/kept')).status).toBe(404);

    // The agent is still running its run: its heartbeat renews the lease and makes its record again.
    expect(await heartbeat(pool, 'gone', [run.id])).toEqual({ cancelling: [], lost: [] });
    expect(await names()).toEqual(['gone', 'kept']);
  });

  it('is 404 for the workers of an unknown pool', async () => {
    expect((await api('GET', '/work_pools/no-such-pool/workers')).status).toBe(404);
    const hb = await api('POST', '/work_pools/no-such-pool/workers/heartbeat', {
      name: 'a',
      heartbeat_interval_seconds: 10,
    });
    expect(hb.status).toBe(404);
  });
});
