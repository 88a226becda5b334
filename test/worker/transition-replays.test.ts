// A proposal's transition id makes a resent request answer as the first one did, but only for answers
// that wrote something: a WAIT writes nothing, and the SDK proposes again with the same id once it has
// waited (worker-agent/src/sdk/engine.ts), so that proposal must be decided afresh.
import type { FlowRun, OrchestrationResult } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api, createFlow } from './api';

const setState = (id: string, state: Record<string, unknown>) =>
  api<OrchestrationResult>('POST', `/flow_runs/${id}/set_state`, { state });

describe('a transition id replays what was written, not a WAIT', () => {
  it('accepts RUNNING under the same transition id once the scheduled time has passed', async () => {
    const scheduled_time = new Date(Date.now() + 1_000).toISOString();
    const { body: run } = await api<FlowRun>('POST', '/flow_runs', {
      flow_id: await createFlow(),
      state: { type: 'SCHEDULED', state_details: { scheduled_time } },
    });
    const running = { type: 'RUNNING', state_details: { transition_id: crypto.randomUUID() } };
    const first = await setState(run.id, running);
    expect(first.body.status).toBe('WAIT');

    // Proposes again as the SDK does, until the answer is no longer WAIT (or 3 s have gone by).
    let answer = first.body;
    const deadline = Date.now() + 3_000;
    while (answer.status === 'WAIT' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      answer = (await setState(run.id, running)).body;
    }
    expect(answer).toMatchObject({ status: 'ACCEPT', state: { type: 'RUNNING' } });

    // And once accepted, the same id answers the same again without writing a second RUNNING.
    expect((await setState(run.id, running)).body).toMatchObject({
      status: 'ACCEPT',
      state: { type: 'RUNNING' },
    });
    const { body: history } = await api<{ type: string }[]>('GET', `/flow_runs/${run.id}/states`);
    expect(history.map((state) => state.type)).toEqual(['SCHEDULED', 'RUNNING']);
  });
});
