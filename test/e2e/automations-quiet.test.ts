// Automations written after a quiet period (events flowing, none enabled) act on the next event at
// once: the evaluator skips its D1 read of the enabled automations while it knows none is, so every
// write that can enable one must tell it (docs/automations.md, "Costs"). Each case waits well under
// the minute after which the evaluator would read D1 again by itself.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEV_KEY, type LocalServer, startServer, waitUntil } from './harness.ts';

/** Shorter than the minute "none enabled" is trusted: an automation not told of would not act here. */
const ACTS_WITHIN_MS = 20_000;

let server: LocalServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
});

// Each case starts quiet, whatever the one before left.
afterEach(async () => {
  for (const automation of await server.client.automations.list())
    await server.client.automations.remove(automation.id);
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.status, `${method} ${path}: ${text}`).toBeLessThan(300);
  return text ? JSON.parse(text) : null;
}

function post(event: string) {
  return server.client.createEvents([
    {
      id: crypto.randomUUID(),
      occurred: new Date().toISOString(),
      event,
      resource: { 'prefect.resource.id': `e2e.quiet.${crypto.randomUUID()}` },
    },
  ]);
}

/** Events the evaluator is nudged for while no automation is enabled: it learns that none is. */
async function quietPeriod() {
  const enabled = await server.client.automations.list();
  expect(enabled.filter((automation) => automation.enabled)).toEqual([]);
  for (let i = 0; i < 3; i++) await post('e2e.quiet.nothing');
}

function executed(automationId: string) {
  return waitUntil(
    async () =>
      (
        await server.client.filterEvents({
          filter: {
            resource: { id: [`prefect.automation.${automationId}`] },
            event: { prefix: ['prefect.automation.action.executed'] },
          },
        })
      ).events,
    (events) => events.length > 0,
    ACTS_WITHIN_MS,
    `automation ${automationId} to act`,
  );
}

const reactive = (expect: string) => ({ type: 'event', posture: 'Reactive', expect: [expect] });

describe('an automation written after a quiet period acts on the next event', () => {
  it('when created', async () => {
    await quietPeriod();
    const automation = await server.client.automations.create({
      name: 'quiet-created',
      trigger: reactive('e2e.quiet.created'),
      actions: [{ type: 'do-nothing' }],
    });
    await post('e2e.quiet.created');
    await executed(automation.id);
  });

  it('when resumed (PATCH enabled)', async () => {
    const automation = await server.client.automations.create({
      name: 'quiet-resumed',
      enabled: false,
      trigger: reactive('e2e.quiet.resumed'),
      actions: [{ type: 'do-nothing' }],
    });
    await quietPeriod();
    await server.client.automations.setEnabled(automation.id, true);
    await post('e2e.quiet.resumed');
    await executed(automation.id);
  });

  it('when replaced by an enabled one (PUT)', async () => {
    const body = {
      name: 'quiet-replaced',
      trigger: reactive('e2e.quiet.replaced'),
      actions: [{ type: 'do-nothing' }],
    };
    const automation = await server.client.automations.create({ ...body, enabled: false });
    await quietPeriod();
    await call('PUT', `/automations/${automation.id}`, { ...body, enabled: true });
    await post('e2e.quiet.replaced');
    await executed(automation.id);
  });

  it("when a deployment's trigger makes one", async () => {
    await quietPeriod();
    const flow = await server.client.createFlow({ name: 'quiet-flow' });
    const deployment = await call('POST', '/deployments', {
      name: 'quiet-deployment',
      flow_id: flow.id,
      triggers: [{ expect: ['e2e.quiet.deployment'] }],
    });
    await post('e2e.quiet.deployment');
    const runs = await waitUntil(
      () => server.client.filterFlowRuns({ flow_runs: { deployment_id: { any_: [deployment.id] } } }),
      (found) => found.length > 0,
      ACTS_WITHIN_MS,
      'the trigger to run the deployment',
    );
    expect(runs[0]?.deployment_id).toBe(deployment.id);
  });
});
