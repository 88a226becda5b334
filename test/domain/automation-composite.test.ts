// Compound and sequence triggers, and Prefect's trigger states (Triggered, Resolved), evaluated at
// chosen instants (docs/automations.md).
import type { Event } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import {
  type AnyTriggerState,
  type Automation,
  AutomationCreateSchema,
  type Firing,
  firingActions,
  nextWake,
  startTrigger,
  type Trigger,
  TriggerSchema,
  triggerAtTime,
  triggerOnEvent,
} from '../../src/domain/automations';

const T0 = Date.parse('2026-01-01T12:00:00.000Z');
let counter = 0;

function event(name: string, resource: string, seconds: number): Event {
  counter += 1;
  const occurred = new Date(T0 + seconds * 1_000).toISOString();
  return {
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    occurred,
    received: occurred,
    event: name,
    resource: { 'prefect.resource.id': resource },
    related: [],
    payload: {},
  };
}

const reactive = (name: string) => ({ type: 'event', posture: 'Reactive', expect: [name] });

/** Feeds events as the evaluator does (windows settled at each event's instant first). */
function feed(t: Trigger, events: Event[], state: AnyTriggerState = startTrigger(t, T0)) {
  const firings: Firing[] = [];
  for (const e of events) {
    const settled = triggerAtTime(t, state, Date.parse(e.occurred));
    const evaluated = triggerOnEvent(t, settled.state, e);
    firings.push(...settled.firings, ...evaluated.firings);
    state = evaluated.state;
  }
  return { state, firings };
}

describe('compound and sequence triggers as Prefect writes them', () => {
  it('accepts them with their children parsed as triggers (defaults filled in)', () => {
    const parsed = TriggerSchema.parse({
      type: 'compound',
      require: 'all',
      within: 3600,
      triggers: [reactive('a'), { type: 'sequence', within: null, triggers: [reactive('b'), reactive('c')] }],
    });
    expect(parsed).toMatchObject({ type: 'compound', triggers: [{ threshold: 1 }, { type: 'sequence' }] });
  });

  it('names the field of a bad child, a require above the number of triggers, and a missing within', () => {
    const issue = (trigger: unknown) =>
      AutomationCreateSchema.safeParse({ name: 'n', trigger, actions: [] }).error?.issues[0]?.path;
    const child = { type: 'compound', require: 1, within: 10, triggers: [reactive('a'), { type: 'event' }] };
    expect(issue(child)).toEqual(['trigger', 'triggers', 1, 'posture']);
    expect(
      issue({ type: 'compound', require: 3, within: 10, triggers: [reactive('a'), reactive('b')] }),
    ).toEqual(['trigger', 'require']);
    expect(issue({ type: 'sequence', triggers: [reactive('a')] })).toEqual(['trigger', 'within']);
    expect(issue({ type: 'sequence', within: 10, triggers: [] })).toEqual(['trigger', 'triggers']);
    expect(issue({ posture: 'Reactive' })).toEqual(['trigger', 'type']);
    expect(issue({ type: 'compound', require: 'all', within: 10, triggers: [{}] })).toEqual([
      'trigger',
      'triggers',
      0,
      'type',
    ]);
  });

  it('refuses triggers nested deeper than five levels before walking them', () => {
    let nested: Record<string, unknown> = reactive('a');
    for (let i = 0; i < 10_000; i++) nested = { type: 'sequence', within: null, triggers: [nested] };
    const result = AutomationCreateSchema.safeParse({ name: 'n', trigger: nested, actions: [] });
    expect(result.error?.issues[0]?.path).toEqual(['trigger', 'triggers']);
    expect(result.error?.issues[0]?.message).toMatch(/at most 5 levels/);
  });
});

describe('compound triggers', () => {
  const compound = (require: unknown, within: number | null, names = ['a', 'b', 'c']) =>
    TriggerSchema.parse({ type: 'compound', require, within, triggers: names.map(reactive) });

  it('"any" fires on either child, once when one event fires two children', () => {
    const t = TriggerSchema.parse({
      type: 'compound',
      require: 'any',
      within: null,
      triggers: [
        reactive('a'),
        { type: 'event', posture: 'Reactive', match: { 'prefect.resource.id': 'r.*' } },
      ],
    });
    const { firings } = feed(t, [event('a', 'x', 0), event('b', 'r.1', 1), event('a', 'r.2', 2)]);
    expect(firings.map((f) => f.event?.occurred)).toEqual(
      [0, 1, 2].map((s) => new Date(T0 + s * 1_000).toISOString()),
    );
    expect(firings[0]).toMatchObject({
      trigger_type: 'compound',
      posture: null,
      id: `compound:event:${firings[0]?.event?.id}`,
    });
  });

  it('"all" fires when every child fired within the window, with the completing event, then starts over', () => {
    const t = compound('all', 60);
    const { firings } = feed(t, [
      event('a', 'x', 0),
      event('b', 'x', 10),
      event('a', 'x', 20), // replaces a's firing at 0
      event('c', 'x', 30), // completes: a 20, b 10, c 30
      event('c', 'x', 40), // the collected firings were spent
    ]);
    expect(firings).toHaveLength(1);
    expect(firings[0]?.event?.event).toBe('c');
    expect(firings[0]?.count).toBe(3);
  });

  it('"all" does not count a child firing older than the window', () => {
    const t = compound('all', 60);
    const apart = feed(t, [event('a', 'x', 0), event('b', 'x', 30), event('c', 'x', 61)]);
    expect(apart.firings).toHaveLength(0);
    // a fires again within 60 s of b and c: now all three are close enough.
    expect(feed(t, [event('a', 'x', 80)], apart.state).firings).toHaveLength(1);
  });

  it('a number requires that many distinct children', () => {
    const t = compound(2, null);
    expect(feed(t, [event('a', 'x', 0), event('a', 'x', 1)]).firings).toHaveLength(0);
    expect(feed(t, [event('a', 'x', 0), event('c', 'x', 5_000)]).firings).toHaveLength(1);
  });

  it('fires from the alarm when a Proactive child fires at its window end', () => {
    const t = TriggerSchema.parse({
      type: 'compound',
      require: 'all',
      within: 120,
      triggers: [
        reactive('deploy'),
        { type: 'event', posture: 'Proactive', expect: ['heartbeat'], within: 60 },
      ],
    });
    const { state, firings } = feed(t, [event('deploy', 'x', 30)]);
    expect(firings).toHaveLength(0);
    expect(nextWake(t, state)).toBe(T0 + 60_000);
    expect(triggerAtTime(t, state, T0 + 59_999).firings).toHaveLength(0);
    const settled = triggerAtTime(t, state, T0 + 60_000);
    expect(settled.firings.map((f) => f.triggered)).toEqual(['2026-01-01T12:01:00.000Z']);
    // Once: the alarm running again at the same instant fires nothing more.
    expect(triggerAtTime(t, settled.state, T0 + 60_000).firings).toHaveLength(0);
  });
});

describe('sequence triggers', () => {
  const sequence = (within: number | null) =>
    TriggerSchema.parse({ type: 'sequence', within, triggers: ['a', 'b', 'c'].map(reactive) });

  it('fires when its children fire in order', () => {
    const { firings } = feed(sequence(null), [event('a', 'x', 0), event('b', 'x', 1), event('c', 'x', 2)]);
    expect(firings).toHaveLength(1);
    expect(firings[0]).toMatchObject({ trigger_type: 'sequence', count: 3 });
  });

  it('does not fire out of order, and fires once the latest firings are in order', () => {
    const t = sequence(null);
    const out = feed(t, [event('b', 'x', 0), event('a', 'x', 1), event('c', 'x', 2)]);
    expect(out.firings).toHaveLength(0);
    // b fires again after a: a 1, b 3, c 2 is still out of order; c again makes a, b, c.
    const b = feed(t, [event('b', 'x', 3)], out.state);
    expect(b.firings).toHaveLength(0);
    expect(feed(t, [event('c', 'x', 4)], b.state).firings).toHaveLength(1);
  });

  it('does not fire when the first child fired longer than the window before the last', () => {
    const t = sequence(10);
    expect(feed(t, [event('a', 'x', 0), event('b', 'x', 5), event('c', 'x', 11)]).firings).toHaveLength(0);
    expect(feed(t, [event('a', 'x', 0), event('b', 'x', 5), event('c', 'x', 10)]).firings).toHaveLength(1);
  });
});

describe('trigger states and the actions they run', () => {
  const zombie = TriggerSchema.parse({
    type: 'event',
    posture: 'Proactive',
    after: ['prefect.flow-run.Running'],
    expect: ['prefect.flow-run.Completed'],
    for_each: ['prefect.resource.id'],
    within: 60,
  });
  const automation = {
    actions: [{ type: 'cancel-flow-run' }],
    actions_on_trigger: [{ type: 'do-nothing' }],
    actions_on_resolve: [{ type: 'call-webhook', url: 'http://x.test', headers: {}, payload: '' }],
  } as unknown as Automation;

  it('a Proactive firing is Triggered; the late expected event of its bucket resolves it, once', () => {
    const { state } = feed(zombie, [
      event('prefect.flow-run.Running', 'prefect.flow-run.a', 0),
      event('prefect.flow-run.Running', 'prefect.flow-run.b', 0),
    ]);
    const fired = triggerAtTime(zombie, state, T0 + 60_000);
    expect(fired.firings.map((f) => f.states)).toEqual([['Triggered'], ['Triggered']]);
    const later = feed(
      zombie,
      [
        event('prefect.flow-run.Completed', 'prefect.flow-run.a', 90),
        event('prefect.flow-run.Completed', 'prefect.flow-run.a', 91),
        event('prefect.flow-run.Completed', 'prefect.flow-run.other', 92),
      ],
      fired.state,
    );
    expect(later.firings).toHaveLength(1);
    expect(later.firings[0]).toMatchObject({
      states: ['Resolved'],
      labels: { 'prefect.resource.id': 'prefect.flow-run.a' },
      id: `resolved:${later.firings[0]?.event?.id}`,
    });
    expect(firingActions(automation, later.firings[0] as Firing).map((a) => a.action.type)).toEqual([
      'call-webhook',
    ]);
    expect(firingActions(automation, fired.firings[0] as Firing).map((a) => a.action.type)).toEqual([
      'cancel-flow-run',
      'do-nothing',
    ]);
  });

  it('a Reactive firing is Triggered and Resolved at once: actions, actions_on_trigger, actions_on_resolve', () => {
    const t = TriggerSchema.parse(reactive('boom'));
    const { firings } = feed(t, [event('boom', 'x', 0)]);
    expect(firings[0]?.states).toEqual(['Triggered', 'Resolved']);
    expect(firingActions(automation, firings[0] as Firing).map((a) => a.action.type)).toEqual([
      'cancel-flow-run',
      'do-nothing',
      'call-webhook',
    ]);
  });

  it('a firing recorded before trigger states (none stored) runs the trigger actions only', () => {
    expect(firingActions(automation, {}).map((a) => a.action.type)).toEqual([
      'cancel-flow-run',
      'do-nothing',
    ]);
  });
});
