// The evaluator with compound and sequence triggers and with Prefect's trigger states: composite
// firings act once, a Proactive child fires its parent from the alarm, and actions_on_trigger and
// actions_on_resolve run when the automation triggers and when it resolves (docs/automations.md).
import { runDurableObjectAlarm } from 'cloudflare:test';
import type { Event, EventPage } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api } from './api';
import { createAutomation, emit, evaluator, event, nudge, outcomes, setClock, T0 } from './automations';

async function stateEvents(automationId: string): Promise<Event[]> {
  const { body } = await api<EventPage>('POST', '/events/filter', {
    filter: {
      resource: { id: [`prefect.automation.${automationId}`] },
      event: { name: ['prefect.automation.triggered', 'prefect.automation.resolved'] },
      order: 'ASC',
    },
    limit: 50,
  });
  return body.events;
}

const reactive = (name: string) => ({ type: 'event', posture: 'Reactive', expect: [name] });

describe('composite triggers in the evaluator', () => {
  it('a compound "all" acts once when both children fire within its window, not when they are apart', async () => {
    await setClock(T0);
    const a = `cmp.a.${crypto.randomUUID()}`;
    const b = `cmp.b.${crypto.randomUUID()}`;
    const id = await createAutomation({
      trigger: { type: 'compound', require: 'all', within: 60, triggers: [reactive(a), reactive(b)] },
      actions: [{ type: 'do-nothing' }],
    });
    await nudge();
    await emit(event(a, 'x', 1), event(b, 'x', 30), event(b, 'x', 40));
    await nudge();
    await emit(event(a, 'x', 150), event(b, 'x', 250));
    await nudge();
    const found = await outcomes(id);
    expect(found).toHaveLength(1);
    expect(found[0]?.resource).toMatchObject({ 'prefect.trigger-type': 'compound' });
    expect(found[0]?.resource['prefect.posture']).toBeUndefined();
  });

  it('a sequence whose last child is Proactive acts from the alarm at that window end, once', async () => {
    await setClock(T0);
    const start = `seq.start.${crypto.randomUUID()}`;
    const id = await createAutomation({
      trigger: {
        type: 'sequence',
        within: null,
        triggers: [
          reactive(start),
          {
            type: 'event',
            posture: 'Proactive',
            expect: [`seq.heartbeat.${crypto.randomUUID()}`],
            within: 30,
          },
        ],
      },
      actions: [{ type: 'do-nothing' }],
    });
    await nudge();
    await emit(event(start, 'x', 10));
    await setClock(T0 + 29_000);
    await nudge();
    expect(await outcomes(id)).toEqual([]);
    await setClock(T0 + 30_000);
    await runDurableObjectAlarm(evaluator());
    await runDurableObjectAlarm(evaluator());
    await nudge();
    expect((await outcomes(id)).map((e) => e.event)).toEqual(['prefect.automation.action.executed']);
  });
});

describe('trigger states in the evaluator', () => {
  it('runs actions_on_resolve when a Proactive automation that fired sees its expected event at last', async () => {
    await setClock(T0);
    const other = await createAutomation({
      enabled: false,
      trigger: { type: 'event', posture: 'Reactive', expect: ['never'] },
    });
    const run = `prefect.flow-run.${crypto.randomUUID()}`;
    const id = await createAutomation({
      trigger: {
        type: 'event',
        posture: 'Proactive',
        after: ['prefect.flow-run.Running'],
        expect: ['prefect.flow-run.Completed'],
        match: { 'prefect.resource.id': run },
        for_each: ['prefect.resource.id'],
        within: 60,
      },
      actions: [{ type: 'do-nothing' }],
      actions_on_resolve: [{ type: 'resume-automation', automation_id: other }],
    });
    await nudge();
    await emit(event('prefect.flow-run.Running', run, 1));
    await setClock(T0 + 61_000);
    await runDurableObjectAlarm(evaluator());
    expect((await outcomes(id)).map((e) => e.payload.action_type)).toEqual(['do-nothing']);
    expect((await api<{ enabled: boolean }>('GET', `/automations/${other}`)).body.enabled).toBe(false);

    const completed = event('prefect.flow-run.Completed', run, 90);
    await setClock(T0 + 91_000);
    await emit(completed);
    await nudge();
    await nudge();
    const found = await outcomes(id);
    expect(found.map((e) => [e.event, e.payload.action_type])).toEqual([
      ['prefect.automation.action.executed', 'do-nothing'],
      ['prefect.automation.action.executed', 'resume-automation'],
    ]);
    expect(found[1]?.related[0]?.['prefect.resource.id']).toBe(`prefect.event.${completed.id}`);
    expect((await api<{ enabled: boolean }>('GET', `/automations/${other}`)).body.enabled).toBe(true);

    // Prefect's state events, each action pointing back at the one it answered to.
    const states = await stateEvents(id);
    expect(states.map((e) => [e.event, e.resource['prefect.posture']])).toEqual([
      ['prefect.automation.triggered', 'Proactive'],
      ['prefect.automation.resolved', 'Proactive'],
    ]);
    expect(states[1]?.payload.triggering_event).toMatchObject({ id: completed.id });
    const answersTo = (e: Event | undefined) =>
      e?.related.find((r) => r['prefect.resource.role'] === 'automation-triggered-event')?.[
        'prefect.resource.id'
      ];
    expect(answersTo(found[0])).toBe(`prefect.event.${states[0]?.id}`);
    expect(answersTo(found[1])).toBe(`prefect.event.${states[1]?.id}`);
  });

  it('a Reactive firing runs actions, actions_on_trigger and actions_on_resolve; a failure holds none up', async () => {
    await setClock(T0);
    const name = `states.${crypto.randomUUID()}`;
    const id = await createAutomation({
      trigger: reactive(name),
      actions: [{ type: 'do-nothing' }],
      // The event names no flow run: this one fails, and the resolve action after it still runs.
      actions_on_trigger: [{ type: 'cancel-flow-run' }],
      actions_on_resolve: [{ type: 'do-nothing' }],
    });
    await nudge();
    await emit(event(name, 'x', 1));
    await nudge();
    expect((await outcomes(id)).map((e) => [e.event, e.payload.action_index, e.payload.action_type])).toEqual(
      [
        ['prefect.automation.action.executed', 0, 'do-nothing'],
        ['prefect.automation.action.failed', 1, 'cancel-flow-run'],
        ['prefect.automation.action.executed', 2, 'do-nothing'],
      ],
    );
    expect((await stateEvents(id)).map((e) => e.event)).toEqual([
      'prefect.automation.triggered',
      'prefect.automation.resolved',
    ]);
  });
});
