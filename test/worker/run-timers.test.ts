// A flow run's state timers fire from its object's alarm: a pause times out, an unconfirmed
// cancellation is forced through. Time is moved with the isolate's clock (the object runs here too).
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { FlowRun, OrchestrationResult } from 'edgeflow/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, createFlow } from './api';

async function runningRun(): Promise<FlowRun> {
  const { body: run } = await api<FlowRun>('POST', '/flow_runs', { flow_id: await createFlow() });
  const { body } = await api<OrchestrationResult>('POST', `/flow_runs/${run.id}/set_state`, {
    state: { type: 'RUNNING' },
  });
  expect(body.status).toBe('ACCEPT');
  return run;
}

async function propose(id: string, state: Record<string, unknown>): Promise<void> {
  const { body } = await api<OrchestrationResult>('POST', `/flow_runs/${id}/set_state`, { state });
  expect(body.status).toBe('ACCEPT');
}

async function fireAlarmAt(id: string, at: number): Promise<FlowRun> {
  vi.useFakeTimers({ toFake: ['Date'], now: at });
  await runDurableObjectAlarm(env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(id)));
  vi.useRealTimers();
  return (await api<FlowRun>('GET', `/flow_runs/${id}`)).body;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('state timers', () => {
  it('fails a paused run once its pause timeout passes', async () => {
    const run = await runningRun();
    const timeout = Date.now() + 60_000;
    await propose(run.id, {
      type: 'PAUSED',
      state_details: { pause_timeout: new Date(timeout).toISOString(), pause_key: 'approval' },
    });
    expect((await fireAlarmAt(run.id, timeout - 1_000)).state_type).toBe('PAUSED');
    const after = await fireAlarmAt(run.id, timeout + 1_000);
    expect(after.state_type).toBe('FAILED');
    expect(after.state?.message).toBe('The flow was paused and never resumed.');
  });

  it('forces a CANCELLING run to CANCELLED when no agent confirms within 300 s', async () => {
    const run = await runningRun();
    await propose(run.id, { type: 'CANCELLING' });
    const after = await fireAlarmAt(run.id, Date.now() + 301_000);
    expect(after.state_type).toBe('CANCELLED');
    expect(after.state?.message).toContain('No agent confirmed the cancellation');
  });
});
