// `GET /api/flow_runs/{id}/wait`: a request held until the run ends (runDeployment waits this way).
import type { FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api, createFlow } from './api';

async function runningRun(): Promise<FlowRun> {
  const { body } = await api<FlowRun>('POST', '/flow_runs', { flow_id: await createFlow() });
  await api('POST', `/flow_runs/${body.id}/set_state`, { state: { type: 'RUNNING' } });
  return body;
}

describe('GET /api/flow_runs/{id}/wait', () => {
  it('answers a held request with the run as soon as it ends', async () => {
    const run = await runningRun();
    const held = api<FlowRun>('GET', `/flow_runs/${run.id}/wait?timeout_seconds=20`);
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'COMPLETED' } });
    const { status, body } = await held;
    expect(status).toBe(200);
    expect(body.state_type).toBe('COMPLETED');
  });

  it('answers at once for a run that has ended, or with timeout_seconds 0', async () => {
    const run = await runningRun();
    expect((await api<FlowRun>('GET', `/flow_runs/${run.id}/wait?timeout_seconds=0`)).body.state_type).toBe(
      'RUNNING',
    );
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'FAILED' } });
    expect((await api<FlowRun>('GET', `/flow_runs/${run.id}/wait`)).body.state_type).toBe('FAILED');
  });

  it('holds only when asked: without timeout_seconds a running run is answered at once', async () => {
    const run = await runningRun();
    // A held request would take the full 20 s and run into this test's own limit.
    expect((await api<FlowRun>('GET', `/flow_runs/${run.id}/wait`)).body.state_type).toBe('RUNNING');
  }, 10_000);

  it('is 404 for an unknown run and 422 naming timeout_seconds beyond the longest hold', async () => {
    expect((await api('GET', `/flow_runs/${crypto.randomUUID()}/wait?timeout_seconds=0`)).status).toBe(404);
    const run = await runningRun();
    const refused = await api<{ field: string }>('GET', `/flow_runs/${run.id}/wait?timeout_seconds=600`);
    expect(refused.status).toBe(422);
    expect(refused.body.field).toBe('timeout_seconds');
  });
});
