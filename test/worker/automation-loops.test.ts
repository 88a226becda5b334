// Automations that would run for ever (docs/automations.md, "Loops"): refused at creation when their
// trigger fires on every run's own events and their action starts runs it matches; and, for the
// loops no check at creation can see, stopped by the evaluator after MAX_RUN_CHAIN runs in a row.
import { runInDurableObject } from 'cloudflare:test';
import type { Event, FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { MAX_RUN_CHAIN } from '../../src/domain/automations';
import type { AutomationsObject } from '../../src/durable/automations-object';
import { api } from './api';
import { createAutomation, evaluator, nudge, outcomes, setClock, T0 } from './automations';
import { createDeployment } from './deployments-api';
import { createPool } from './pools';

async function setFiringBudget(perMinute: number) {
  await runInDurableObject(evaluator(), (instance: AutomationsObject) => {
    instance.loopGuards.firingsPerMinute = perMinute;
  });
}

/** An automation's outcome events, executed and failed apart. */
function byOutcome(found: Event[]) {
  const named = (name: string) =>
    found.filter((outcome) => outcome.event === `prefect.automation.action.${name}`);
  return { executed: named('executed'), failed: named('failed') };
}

/** Nudges until the automation has a failed outcome (or 40 rounds pass); its outcomes then. */
async function untilFailed(automationId: string) {
  for (let round = 0; round < 40; round++) {
    await nudge();
    if ((await outcomes(automationId)).some((o) => o.event === 'prefect.automation.action.failed')) break;
  }
  return outcomes(automationId);
}

const runDeployment = (deployment_id: string) => ({
  type: 'run-deployment',
  source: 'selected',
  deployment_id,
});

async function runsOf(deploymentId: string): Promise<FlowRun[]> {
  const { body } = await api<FlowRun[]>('POST', '/flow_runs/filter', {
    deployments: { id: { any_: [deploymentId] } },
    limit: 200,
  });
  return body;
}

describe('automations that would start runs for ever', () => {
  it.each([
    ['an empty expect (any event)', {}],
    ['every Scheduled flow run', { expect: ['prefect.flow-run.Scheduled'] }],
    [
      'any flow-run event of any run',
      { expect: ['prefect.flow-run.*'], match: { 'prefect.resource.id': 'prefect.flow-run.*' } },
    ],
  ])('are refused at creation with a 422 naming trigger.expect: %s', async (_, trigger) => {
    const deployment = await createDeployment();
    const answer = await api<{ field: string; detail: string }>('POST', '/automations', {
      name: 'loop',
      trigger: { type: 'event', posture: 'Reactive', ...trigger },
      actions: [runDeployment(deployment.id)],
    });
    expect(answer.status).toBe(422);
    expect(answer.body.field).toBe('trigger.expect');
    expect(answer.body.detail).toMatch(/for ever/);
  });

  it('refuses an inferred deployment on flow-run events however narrow the match, and a resume that closes a loop', async () => {
    const inferred = await api<{ field: string }>('POST', '/automations', {
      name: 'inferred loop',
      trigger: {
        type: 'event',
        posture: 'Reactive',
        expect: ['prefect.flow-run.Running'],
        match: { 'prefect.resource.id': 'prefect.flow-run.abc' },
      },
      actions: [{ type: 'run-deployment', source: 'inferred' }],
    });
    expect(inferred.status).toBe(422);
    expect(inferred.body.field).toBe('trigger.expect');

    // Created paused (nothing can loop), then resumed: the PATCH checks the whole automation.
    const deployment = await createDeployment();
    const id = await createAutomation({
      enabled: false,
      trigger: { type: 'event', posture: 'Reactive' },
      actions: [runDeployment(deployment.id)],
    });
    const resumed = await api<{ field: string }>('PATCH', `/automations/${id}`, { enabled: true });
    expect(resumed.status).toBe(422);
    expect(resumed.body.field).toBe('trigger.expect');
    const stored = await api<{ enabled: boolean }>('GET', `/automations/${id}`);
    expect(stored.body.enabled).toBe(false);
  });

  it('accepts what only looks alike: other events, a narrowed match, or an action that starts no run', async () => {
    const deployment = await createDeployment();
    for (const [trigger, actions] of [
      [{ expect: ['prefect.flow-run.Failed'] }, [runDeployment(deployment.id)]],
      [
        { expect: ['prefect.flow-run.Scheduled'], match: { 'prefect.resource.name': 'nightly-*' } },
        [runDeployment(deployment.id)],
      ],
      [{}, [{ type: 'do-nothing' }]],
    ] as const) {
      const answer = await api('POST', '/automations', {
        name: 'fine',
        enabled: false,
        trigger: { type: 'event', posture: 'Reactive', ...trigger },
        actions,
      });
      expect(answer.status).toBe(201);
    }
  });

  it('refuses a deployment trigger left to its defaults, which would run its deployment on its own runs', async () => {
    const deployment = await createDeployment();
    const answer = await api<{ field: string }>('PATCH', `/deployments/${deployment.id}`, {
      triggers: [{ name: 'on anything' }],
    });
    expect(answer.status).toBe(422);
    expect(answer.body.field).toBe('triggers[0].expect');
  });

  it(`stops a loop the checks cannot see after ${MAX_RUN_CHAIN} runs in a row, with a failed action saying why`, async () => {
    await setClock(Date.now());
    const deployment = await createDeployment();
    // Narrowed to the deployment's own runs: it passes the creation check, and still feeds itself.
    const id = await createAutomation({
      trigger: {
        type: 'event',
        posture: 'Reactive',
        expect: ['prefect.flow-run.Scheduled'],
        match_related: { 'prefect.resource.id': `prefect.deployment.${deployment.id}` },
      },
      actions: [runDeployment(deployment.id)],
    });
    await nudge();
    const first = await api('POST', `/deployments/${deployment.id}/create_flow_run`, {});
    expect(first.status).toBe(201);
    const found = await untilFailed(id);
    const { executed, failed } = byOutcome(found);
    // The first run is the user's; the automation starts one from it, then one from each of its own.
    expect(executed).toHaveLength(MAX_RUN_CHAIN);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.payload.reason).toMatch(new RegExp(`a loop, stopped at ${MAX_RUN_CHAIN}`));
    expect(await runsOf(deployment.id)).toHaveLength(MAX_RUN_CHAIN + 1);
    // Nothing more comes later.
    await nudge();
    expect(await runsOf(deployment.id)).toHaveLength(MAX_RUN_CHAIN + 1);
  });

  it('stops a loop through any other action at its budget of firings a minute, and acts again the next minute', async () => {
    await setClock(T0);
    await setFiringBudget(5);
    try {
      const pool = await createPool();
      // Pausing the pool emits the very event that fires it: a loop no check at creation looks for.
      const id = await createAutomation({
        trigger: {
          type: 'event',
          posture: 'Reactive',
          expect: ['prefect.work-pool.paused'],
          match: { 'prefect.resource.id': `prefect.work-pool.${pool}` },
        },
        actions: [{ type: 'pause-work-pool', source: 'selected', work_pool_id: pool }],
      });
      await nudge();
      expect((await api('PATCH', `/work_pools/${pool}`, { paused: true })).status).toBe(204);
      const found = await untilFailed(id);
      const { executed, failed } = byOutcome(found);
      expect(executed).toHaveLength(5);
      expect(failed).toHaveLength(1);
      expect(failed[0]?.payload.reason).toMatch(/rate limit/);
      // The loop is over: nothing acted on causes another event.
      await nudge();
      await nudge();
      expect(await outcomes(id)).toHaveLength(6);
      // A minute on, the budget is whole again: the next pause is acted on.
      await setClock(T0 + 61_000);
      expect((await api('PATCH', `/work_pools/${pool}`, { paused: true })).status).toBe(204);
      await nudge();
      const later = (await outcomes(id)).slice(6);
      expect(later[0]?.event).toBe('prefect.automation.action.executed');
    } finally {
      await setFiringBudget(1_000);
    }
  });
});
