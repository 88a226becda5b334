// An event trigger as a pure state machine (docs/automations.md): (buckets, event or instant) →
// (buckets, firings). Reactive fires when a bucket reaches its threshold within the window; Proactive
// fires when a window ends below it. Firing ids are derived from their cause, so a replay repeats them.
import type { Event } from 'edgeflow/protocol';
import { bucketOf, triggerCovers, triggerExpects, triggerStartsAfter } from './matching';
import { type EventTrigger, windowMs } from './trigger-schemas';

export interface Bucket {
  labels: Record<string, string>;
  /** Window bounds in epoch ms: [start, end]. */
  start: number;
  end: number;
  count: number;
  /** The last covered event (for Proactive, what opened the window until something else arrived). */
  last_event: Event | null;
}

export interface TriggerState {
  buckets: Record<string, Bucket>;
}

/** Prefect's trigger states: a firing puts the automation in one or both (docs/automations.md). */
export type TriggerStateName = 'Triggered' | 'Resolved';

export interface Firing {
  /** Unique per automation and stable under replay: the same cause makes the same id. */
  id: string;
  triggered: string;
  /** The event trigger's posture; null for a compound or sequence firing. */
  posture: EventTrigger['posture'] | null;
  /** Absent on firings recorded before composite triggers: those were `event` firings. */
  trigger_type?: 'event' | 'compound' | 'sequence';
  /** Absent on firings recorded before resolution was evaluated: those were Triggered. */
  states?: TriggerStateName[];
  labels: Record<string, string>;
  count: number;
  /** The event that fired it (Reactive) or the window's last event (Proactive); null for an empty window. */
  event: Event | null;
}

export interface Evaluation {
  state: TriggerState;
  firings: Firing[];
}

/**
 * The state a trigger starts from at `now`. A Proactive trigger that waits for no `after` event and
 * has no for_each watches one window from the moment it is enabled, so silence alone can fire it.
 */
export function initialTriggerState(trigger: EventTrigger, now: number): TriggerState {
  if (trigger.posture === 'Proactive' && trigger.after.length === 0 && trigger.for_each.length === 0)
    return { buckets: { '[]': openBucket(trigger, {}, now, null) } };
  return { buckets: {} };
}

function openBucket(
  trigger: EventTrigger,
  labels: Record<string, string>,
  start: number,
  event: Event | null,
): Bucket {
  return { labels, start, end: start + windowMs(trigger), count: 0, last_event: event };
}

/** Feeds one event (in commit order). Window bounds follow the event's `occurred`, as Prefect's do. */
export function evaluateEvent(trigger: EventTrigger, state: TriggerState, event: Event): Evaluation {
  if (!triggerCovers(trigger, event)) return { state, firings: [] };
  const at = Date.parse(event.occurred);
  const { key, labels } = bucketOf(trigger, event);
  const buckets = { ...state.buckets };
  let bucket = buckets[key];
  // A Reactive window that has passed is forgotten; a Proactive one is settled by evaluateTime.
  if (bucket && trigger.posture === 'Reactive' && bucket.end < at) bucket = undefined;
  // A Reactive bucket that starts later is the window after a firing: its own window is spent.
  if (bucket && trigger.posture === 'Reactive' && at < bucket.start) return { state, firings: [] };
  if (!bucket && triggerStartsAfter(trigger, event.event)) {
    buckets[key] = openBucket(trigger, labels, at, event);
    return { state: { buckets }, firings: [] };
  }
  if (!bucket && trigger.after.length > 0) return { state, firings: [] };
  if (!triggerExpects(trigger, event.event)) {
    if (bucket) return { state, firings: [] };
    // A covered event opens a Proactive window for its bucket (Prefect's ensure_bucket) without counting.
    if (trigger.posture === 'Proactive') buckets[key] = openBucket(trigger, labels, at, event);
    return { state: { buckets }, firings: [] };
  }
  bucket = { ...(bucket ?? openBucket(trigger, labels, at, event)) };
  bucket.count += 1;
  bucket.last_event = event;
  if (trigger.posture === 'Reactive' && bucket.count >= trigger.threshold) {
    // Once per window, as Prefect's: the next window starts where this one ends, and the events
    // until then are ignored. With `after`, the bucket waits for the next `after` event instead.
    if (trigger.after.length === 0 && windowMs(trigger) > 0)
      buckets[key] = openBucket(trigger, labels, bucket.end, null);
    else delete buckets[key];
    const firing: Firing = {
      id: `event:${event.id}`,
      triggered: event.occurred,
      posture: 'Reactive',
      trigger_type: 'event',
      // A presence holds at an instant: the automation is triggered and resolved by the same event.
      states: ['Triggered', 'Resolved'],
      labels,
      count: bucket.count,
      event,
    };
    return { state: { buckets }, firings: [firing] };
  }
  buckets[key] = bucket;
  return { state: { buckets }, firings: [] };
}

/**
 * Settles every window that has ended by `now`: a Proactive one below its threshold fires once.
 * Without `after`, the next window opens where the last ended (or at `now`, after a long gap, so a
 * pause or an outage fires once, not once per missed window); with `after`, the bucket waits again.
 */
export function evaluateTime(trigger: EventTrigger, state: TriggerState, now: number): Evaluation {
  const buckets: Record<string, Bucket> = {};
  const firings: Firing[] = [];
  for (const [key, bucket] of Object.entries(state.buckets)) {
    if (bucket.end > now) {
      buckets[key] = bucket;
      continue;
    }
    if (trigger.posture === 'Reactive') continue;
    const fire = (end: number, count: number, event: Event | null) =>
      firings.push({
        id: `window:${end}:${key}`,
        triggered: new Date(end).toISOString(),
        posture: 'Proactive',
        trigger_type: 'event',
        // Resolved later, when the expected events come back (resolution.ts).
        states: ['Triggered'],
        labels: bucket.labels,
        count,
        event,
      });
    const belowThreshold = bucket.count < trigger.threshold;
    if (belowThreshold) fire(bucket.end, bucket.count, bucket.last_event);
    if (trigger.after.length > 0) continue;
    let next = bucket.end;
    if (next + windowMs(trigger) <= now) {
      // Whole windows passed with no event at all: one firing for the stretch, then watch from now.
      if (!belowThreshold) fire(next + windowMs(trigger), 0, null);
      next = now;
    }
    buckets[key] = openBucket(trigger, bucket.labels, next, null);
  }
  return { state: { buckets }, firings };
}

/** When the trigger next needs evaluateTime: the earliest Proactive window end, or null. */
export function nextWindowEnd(trigger: EventTrigger, state: TriggerState): number | null {
  if (trigger.posture !== 'Proactive') return null;
  let earliest: number | null = null;
  for (const bucket of Object.values(state.buckets))
    if (earliest === null || bucket.end < earliest) earliest = bucket.end;
  return earliest;
}
