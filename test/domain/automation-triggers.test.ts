import type { Event } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import {
  type EventTrigger,
  EventTriggerSchema,
  evaluateEvent,
  evaluateTime,
  type Firing,
  initialTriggerState,
  nextWindowEnd,
  type TriggerState,
} from '../../src/domain/automations';

const T0 = Date.parse('2026-01-01T12:00:00.000Z');
let counter = 0;

function event(
  name: string,
  resource: string,
  seconds: number,
  related: Record<string, string>[] = [],
): Event {
  counter += 1;
  const occurred = new Date(T0 + seconds * 1_000).toISOString();
  return {
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    occurred,
    received: occurred,
    event: name,
    resource: { 'prefect.resource.id': resource },
    related,
    payload: {},
  };
}

const flowX = { 'prefect.resource.id': 'prefect.flow.x', 'prefect.resource.role': 'flow' };
const flowY = { 'prefect.resource.id': 'prefect.flow.y', 'prefect.resource.role': 'flow' };

function trigger(fields: Record<string, unknown>): EventTrigger {
  return EventTriggerSchema.parse({ type: 'event', ...fields });
}

/** Feeds events (settling windows at each event's instant first) and collects the firings. */
function feed(t: EventTrigger, events: Event[], state: TriggerState = initialTriggerState(t, T0)) {
  const firings: Firing[] = [];
  for (const e of events) {
    const settled = evaluateTime(t, state, Date.parse(e.occurred));
    const evaluated = evaluateEvent(t, settled.state, e);
    firings.push(...settled.firings, ...evaluated.firings);
    state = evaluated.state;
  }
  return { state, firings };
}

describe('reactive event triggers', () => {
  it('fires once for each matching event when the threshold is 1', () => {
    const t = trigger({
      posture: 'Reactive',
      expect: ['prefect.flow-run.Failed'],
      match: { 'prefect.resource.id': 'prefect.flow-run.*' },
    });
    const { firings } = feed(t, [
      event('prefect.flow-run.Failed', 'prefect.flow-run.a', 0),
      event('prefect.flow-run.Completed', 'prefect.flow-run.b', 1),
      event('prefect.flow-run.Failed', 'prefect.task-run.c', 2),
      event('prefect.flow-run.Failed', 'prefect.flow-run.d', 3),
    ]);
    expect(firings.map((f) => f.event?.resource['prefect.resource.id'])).toEqual([
      'prefect.flow-run.a',
      'prefect.flow-run.d',
    ]);
  });

  it('matches related resources: only failures of flow X fire', () => {
    const t = trigger({
      posture: 'Reactive',
      expect: ['prefect.flow-run.Failed'],
      match_related: { 'prefect.resource.role': 'flow', 'prefect.resource.id': 'prefect.flow.x' },
    });
    const { firings } = feed(t, [
      event('prefect.flow-run.Failed', 'prefect.flow-run.a', 0, [flowY]),
      event('prefect.flow-run.Failed', 'prefect.flow-run.b', 1, [flowX]),
    ]);
    expect(firings.map((f) => f.event?.resource['prefect.resource.id'])).toEqual(['prefect.flow-run.b']);
  });

  it('excludes values written with "!"', () => {
    const t = trigger({
      posture: 'Reactive',
      match: { 'prefect.resource.id': ['prefect.flow-run.*', '!prefect.flow-run.skip'] },
    });
    const { firings } = feed(t, [
      event('x', 'prefect.flow-run.skip', 0),
      event('x', 'prefect.flow-run.keep', 1),
    ]);
    expect(firings).toHaveLength(1);
  });

  it('fires when the threshold is reached within the window, and not when the events are spread wider', () => {
    const t = trigger({ posture: 'Reactive', expect: ['boom'], threshold: 3, within: 60 });
    const spread = feed(t, [
      event('boom', 'r', 0),
      event('boom', 'r', 40),
      event('boom', 'r', 70),
      event('boom', 'r', 90),
    ]);
    expect(spread.firings).toHaveLength(0);
    const close = feed(t, [event('boom', 'r', 0), event('boom', 'r', 20), event('boom', 'r', 50)]);
    expect(close.firings).toHaveLength(1);
    expect(close.firings[0]?.count).toBe(3);
  });

  it('fires once per window: events after it fired and before the window ends do not fire it again', () => {
    const t = trigger({ posture: 'Reactive', expect: ['boom'], threshold: 2, within: 60 });
    const { firings } = feed(t, [
      event('boom', 'r', 0),
      event('boom', 'r', 10), // fires: the window [0, 60] is spent
      event('boom', 'r', 20),
      event('boom', 'r', 30),
      event('boom', 'r', 65), // the next window, [60, 120]
      event('boom', 'r', 70), // fires
    ]);
    expect(firings.map((f) => f.event?.occurred)).toEqual([
      new Date(T0 + 10_000).toISOString(),
      new Date(T0 + 70_000).toISOString(),
    ]);
  });

  it('fires for every event when its window is 0 seconds', () => {
    const t = trigger({ posture: 'Reactive', expect: ['boom'] });
    expect(
      feed(t, [event('boom', 'r', 0), event('boom', 'r', 0), event('boom', 'r', 1)]).firings,
    ).toHaveLength(3);
  });

  it('counts each for_each bucket on its own', () => {
    const t = trigger({
      posture: 'Reactive',
      expect: ['boom'],
      threshold: 2,
      within: 60,
      for_each: ['prefect.resource.id'],
    });
    const { firings } = feed(t, [event('boom', 'a', 0), event('boom', 'b', 1), event('boom', 'a', 2)]);
    expect(firings.map((f) => f.labels)).toEqual([{ 'prefect.resource.id': 'a' }]);
  });

  it('buckets by a related resource with related:<role>:<label>', () => {
    const t = trigger({
      posture: 'Reactive',
      expect: ['boom'],
      threshold: 2,
      within: 60,
      for_each: ['related:flow:prefect.resource.id'],
    });
    const { firings } = feed(t, [
      event('boom', 'a', 0, [flowX]),
      event('boom', 'b', 1, [flowY]),
      event('boom', 'c', 2, [flowX]),
    ]);
    expect(firings.map((f) => f.labels)).toEqual([{ 'related:flow:prefect.resource.id': 'prefect.flow.x' }]);
  });

  it('counts expected events only after an "after" event opened the bucket', () => {
    const t = trigger({ posture: 'Reactive', after: ['start'], expect: ['boom'], within: 60 });
    const { firings } = feed(t, [
      event('boom', 'r', 0),
      event('start', 'r', 1),
      event('boom', 'r', 2),
      event('boom', 'r', 3),
    ]);
    // One firing: the first boom came before start; after firing the bucket waits for the next start.
    expect(firings).toHaveLength(1);
  });

  it('gives a replayed event the same firing id, so its actions run once', () => {
    const t = trigger({ posture: 'Reactive', expect: ['boom'] });
    const e = event('boom', 'r', 0);
    expect(feed(t, [e]).firings[0]?.id).toBe(feed(t, [e]).firings[0]?.id);
  });
});

describe('proactive event triggers', () => {
  const zombie = () =>
    trigger({
      posture: 'Proactive',
      after: ['prefect.flow-run.Running'],
      expect: ['prefect.flow-run.Completed'],
      for_each: ['prefect.resource.id'],
      within: 60,
    });

  it('fires at the window end when the expected event did not come, naming the run that started', () => {
    const t = zombie();
    const running = event('prefect.flow-run.Running', 'prefect.flow-run.a', 0);
    const { state } = feed(t, [running]);
    expect(nextWindowEnd(t, state)).toBe(T0 + 60_000);
    expect(evaluateTime(t, state, T0 + 59_999).firings).toHaveLength(0);
    const settled = evaluateTime(t, state, T0 + 60_000);
    expect(settled.firings).toHaveLength(1);
    expect(settled.firings[0]?.event?.id).toBe(running.id);
    expect(settled.firings[0]?.triggered).toBe('2026-01-01T12:01:00.000Z');
  });

  it('does not fire when the expected event came within the window', () => {
    const t = zombie();
    const { state } = feed(t, [
      event('prefect.flow-run.Running', 'prefect.flow-run.a', 0),
      event('prefect.flow-run.Completed', 'prefect.flow-run.a', 30),
    ]);
    expect(evaluateTime(t, state, T0 + 61_000).firings).toHaveLength(0);
  });

  it('fires exactly once per window, however often the alarm runs', () => {
    const t = zombie();
    let { state } = feed(t, [event('prefect.flow-run.Running', 'prefect.flow-run.a', 0)]);
    let fired = 0;
    for (const seconds of [60, 61, 120, 500]) {
      const settled = evaluateTime(t, state, T0 + seconds * 1_000);
      fired += settled.firings.length;
      state = settled.state;
    }
    expect(fired).toBe(1);
    expect(nextWindowEnd(t, state)).toBeNull();
  });

  it('keeps one window per bucket: only the run that did not complete fires', () => {
    const t = zombie();
    const { state } = feed(t, [
      event('prefect.flow-run.Running', 'prefect.flow-run.a', 0),
      event('prefect.flow-run.Running', 'prefect.flow-run.b', 5),
      event('prefect.flow-run.Completed', 'prefect.flow-run.b', 10),
    ]);
    const settled = evaluateTime(t, state, T0 + 120_000);
    expect(settled.firings.map((f) => f.labels['prefect.resource.id'])).toEqual(['prefect.flow-run.a']);
  });

  it('without "after", watches back-to-back windows from when it is enabled and fires once after a long gap', () => {
    const t = trigger({ posture: 'Proactive', expect: ['heartbeat'], within: 30 });
    const start = initialTriggerState(t, T0);
    const { state, firings } = feed(t, [event('heartbeat', 'r', 10), event('heartbeat', 'r', 40)], start);
    expect(firings).toHaveLength(0);
    const quiet = evaluateTime(t, state, T0 + 90_000);
    expect(quiet.firings).toHaveLength(1);
    const gap = evaluateTime(t, quiet.state, T0 + 1_000_000);
    expect(gap.firings).toHaveLength(1);
    expect(nextWindowEnd(t, gap.state)).toBe(T0 + 1_030_000);
  });

  it('fires below a threshold greater than one', () => {
    const t = trigger({ posture: 'Proactive', expect: ['tick'], threshold: 3, within: 30 });
    const { state } = feed(t, [event('tick', 'r', 1), event('tick', 'r', 2)], initialTriggerState(t, T0));
    expect(evaluateTime(t, state, T0 + 30_000).firings[0]?.count).toBe(2);
  });

  it('refuses a Proactive window shorter than 10 seconds', () => {
    const result = EventTriggerSchema.safeParse({ type: 'event', posture: 'Proactive', within: 5 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['within']);
  });
});
