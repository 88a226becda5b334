// The run page of a run paused for typed input: its Resume button leads to a form generated from the
// schema the pause stored, posting `run_input` to the resume route (docs/dashboard.md).
import { exports } from 'cloudflare:workers';
import type { FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, api, createFlow } from './api';

async function page(path: string): Promise<string> {
  const response = await exports.default.fetch(`http://edgeflow.test${path}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  expect(response.status).toBe(200);
  return response.text();
}

async function pausedRun(withInput: boolean): Promise<FlowRun> {
  const { body: run } = await api<FlowRun>('POST', '/flow_runs', { flow_id: await createFlow() });
  await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' } });
  if (!withInput) {
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'PAUSED' } });
    return run;
  }
  const schema = {
    type: 'object',
    properties: { approver: { type: 'string' }, amount: { type: 'integer', minimum: 1 } },
    required: ['approver', 'amount'],
  };
  await api('POST', `/flow_runs/${run.id}/input`, { key: 'paused-1-schema', value: JSON.stringify(schema) });
  await api('POST', `/flow_runs/${run.id}/input`, {
    key: 'paused-1-description',
    value: JSON.stringify('Approve the payment'),
  });
  const keyset = {
    description: 'paused-1-description',
    response: 'paused-1-response',
    schema: 'paused-1-schema',
  };
  await api('POST', `/flow_runs/${run.id}/set_state`, {
    state: { type: 'PAUSED', state_details: { pause_key: '1', run_input_keyset: keyset } },
  });
  return run;
}

describe('resuming from the run page', () => {
  it('shows a form of the stored schema, named as the API names refused fields, for a pause waiting for input', async () => {
    const run = await pausedRun(true);
    const html = await page(`/runs/${run.id}`);
    expect(html).toContain(`data-path="/api/flow_runs/${run.id}/resume"`);
    expect(html).toContain('name="run_input.approver"');
    expect(html).toMatch(
      /name="run_input.amount"[^>]*data-kind="integer"|data-kind="integer"[^>]*name="run_input.amount"/,
    );
    expect(html).toContain('Approve the payment');
    expect(html).toContain('href="#resume-form"');
  });

  it('keeps the one-click Resume button for a pause that waits for no input', async () => {
    const run = await pausedRun(false);
    const html = await page(`/runs/${run.id}`);
    expect(html).not.toContain('id="resume-form"');
    expect(html).toContain('id="run-resume"');
    expect(html).toContain('data-call=');
  });
});
