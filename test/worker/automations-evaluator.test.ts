// The automations evaluator object: events read after its cursor fire reactive triggers at once and
// proactive ones at their window's end (its clock moved, no sleeps); each action runs once per firing,
// and a failed action is recorded without holding up the others (docs/automations.md).
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import type { EventPage, FlowRun } from 'edgeflow/protocol';
import { describe, expect, it, vi } from 'vitest';
import type { AutomationsObject } from '../../src/durable/automations-object';
import { api } from './api';
import { createAutomation, emit, evaluator, event, nudge, outcomes, setClock, T0 } from './automations';
import { createDeployment } from './deployments-api';

describe('reactive triggers in the evaluator', () => {
  it('runs each action once per firing; a failed action is recorded and the next still runs', async () => {
    await setClock(T0);
    const id = await createAutomation({
      trigger: {
        type: 'event',
        posture: 'Reactive',
        expect: ['boom'],
        match: { 'prefect.resource.id': 'thing.*' },
      },
      // The event names no flow run, so cancel-flow-run fails; do-nothing after it still runs.
      actions: [{ type: 'cancel-flow-run' }, { type: 'do-nothing' }],
    });
    await nudge();
    await emit(event('boom', 'thing.a', 1), event('boom', 'other.b', 2));
    await nudge();
    await nudge();
    const found = await outcomes(id);
    expect(found.map((e) => [e.event, e.payload.action_type])).toEqual([
      ['prefect.automation.action.failed', 'cancel-flow-run'],
      ['prefect.automation.action.executed', 'do-nothing'],
    ]);
    expect(found[0]?.payload.reason).toBeTruthy();
    expect(found[0]?.related[0]?.['prefect.resource.role']).toBe('triggering-event');
  });

  it('runs a deployment with a parameter templated from the triggering event', async () => {
    await setClock(T0);
    const deployment = await createDeployment();
    const id = await createAutomation({
      trigger: { type: 'event', posture: 'Reactive', expect: ['prefect.flow-run.Failed'] },
      actions: [
        {
          type: 'run-deployment',
          deployment_id: deployment.id,
          parameters: { failed: { __prefect_kind: 'jinja', template: '{{ event.resource.id }}' } },
        },
      ],
    });
    await nudge();
    await emit(event('prefect.flow-run.Failed', 'prefect.flow-run.abc', 1));
    await nudge();
    const [executed] = await outcomes(id);
    expect(executed?.event).toBe('prefect.automation.action.executed');
    const run = await api<FlowRun>('GET', `/flow_runs/${executed?.payload.flow_run_id}`);
    expect(run.body.deployment_id).toBe(deployment.id);
    expect(run.body.parameters).toMatchObject({ failed: 'prefect.flow-run.abc' });
  });

  it('acts on an event stored through the API with no other call: the writer nudges the evaluator', async () => {
    // The real clock: the fallback alarm (5 s on) must not be what finds the event.
    await setClock(Date.now());
    const id = await createAutomation({
      trigger: { type: 'event', posture: 'Reactive', expect: ['nudged'] },
      actions: [{ type: 'do-nothing' }],
    });
    await nudge();
    await emit(event('nudged', 'x', 1));
    await vi.waitFor(async () => expect(await outcomes(id)).toHaveLength(1), {
      timeout: 5_000,
      interval: 20,
    });
  });

  it('pauses a deployment and another automation, each with its lifecycle event', async () => {
    await setClock(T0);
    const deployment = await createDeployment();
    const other = await createAutomation({
      trigger: { type: 'event', posture: 'Reactive', expect: ['never'] },
      actions: [{ type: 'do-nothing' }],
    });
    const id = await createAutomation({
      trigger: { type: 'event', posture: 'Reactive', expect: ['stop'] },
      actions: [
        { type: 'pause-deployment', deployment_id: deployment.id },
        { type: 'pause-automation', automation_id: other },
      ],
    });
    await nudge();
    await emit(event('stop', 'x', 1));
    await nudge();
    expect((await outcomes(id)).map((e) => e.event)).toEqual([
      'prefect.automation.action.executed',
      'prefect.automation.action.executed',
    ]);
    expect((await api<{ paused: boolean }>('GET', `/deployments/${deployment.id}`)).body.paused).toBe(true);
    expect((await api<{ enabled: boolean }>('GET', `/automations/${other}`)).body.enabled).toBe(false);
  });

  it("does not run a firing's actions again when the same events are read again (cursor rewound)", async () => {
    await setClock(T0);
    const id = await createAutomation({
      trigger: { type: 'event', posture: 'Reactive', expect: ['again'] },
      actions: [{ type: 'do-nothing' }],
    });
    await nudge();
    await emit(event('again', 'x', 1));
    await nudge();
    await runInDurableObject(evaluator(), (_instance: AutomationsObject, state) => {
      state.storage.sql.exec('UPDATE cursor SET seq = 0');
    });
    await nudge();
    expect(await outcomes(id)).toHaveLength(1);
  });

  it('does not fire on the outcomes of its own actions, even when it watches every automation', async () => {
    await setClock(T0);
    const id = await createAutomation({
      trigger: {
        type: 'event',
        posture: 'Reactive',
        match: { 'prefect.resource.id': 'prefect.automation.*' },
      },
      actions: [{ type: 'do-nothing' }],
    });
    await nudge();
    // Another automation's `created` event fires it; its own outcome and state events must not.
    // (Other test files may write automation events meanwhile: they may fire it too.)
    const other = await createAutomation({
      trigger: { type: 'event', posture: 'Reactive', expect: ['never'] },
    });
    for (let i = 0; i < 3; i++) await nudge();
    const { body } = await api<EventPage>('POST', '/events/filter', {
      filter: { resource: { id: [`prefect.automation.${id}`, `prefect.automation.${other}`] } },
      limit: 200,
    });
    const about = new Map(
      body.events.map((e) => [`prefect.event.${e.id}`, e.resource['prefect.resource.id']]),
    );
    const causes = (await outcomes(id)).map(
      (e) =>
        e.related.find((r) => r['prefect.resource.role'] === 'triggering-event')?.['prefect.resource.id'] ??
        '',
    );
    expect(causes.map((cause) => about.get(cause))).toContain(`prefect.automation.${other}`);
    expect(causes.map((cause) => about.get(cause))).not.toContain(`prefect.automation.${id}`);
  });

  it('does not act for a paused automation', async () => {
    await setClock(T0);
    const id = await createAutomation({
      enabled: false,
      trigger: { type: 'event', posture: 'Reactive', expect: ['boom'] },
      actions: [{ type: 'do-nothing' }],
    });
    await nudge();
    await emit(event('boom', 'x', 1));
    await nudge();
    expect(await outcomes(id)).toEqual([]);
  });
});

describe('proactive triggers in the evaluator', () => {
  it('fire from the alarm when the window ends without the expected event, once per window', async () => {
    await setClock(T0);
    const id = await createAutomation({
      trigger: {
        type: 'event',
        posture: 'Proactive',
        after: ['prefect.flow-run.Running'],
        expect: ['prefect.flow-run.Completed'],
        for_each: ['prefect.resource.id'],
        within: 60,
      },
      actions: [{ type: 'do-nothing' }],
    });
    await nudge();
    await emit(
      event('prefect.flow-run.Running', 'prefect.flow-run.late', 1),
      event('prefect.flow-run.Running', 'prefect.flow-run.done', 2),
      event('prefect.flow-run.Completed', 'prefect.flow-run.done', 30),
    );
    await setClock(T0 + 31_000);
    await nudge();
    expect(await outcomes(id)).toEqual([]);
    await setClock(T0 + 61_000);
    await runDurableObjectAlarm(evaluator());
    await runDurableObjectAlarm(evaluator());
    const found = await outcomes(id);
    expect(found).toHaveLength(1);
    expect(found[0]?.payload.invocation).toContain('prefect.flow-run.late');
  });
});
