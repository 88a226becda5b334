// When a Proactive automation resolves (docs/automations.md): after it fired because a bucket's
// expected events did not come, the automation stays triggered for that bucket until they come back
// (`threshold` of them); the event that brings them back resolves it and runs `actions_on_resolve`.
import type { Event } from 'edgeflow/protocol';
import type { Firing } from './evaluation';
import { bucketOf, triggerCovers, triggerExpects } from './matching';
import type { EventTrigger } from './trigger-schemas';

/** A bucket whose absence fired: the expected events seen since. */
export interface TriggeredBucket {
  labels: Record<string, string>;
  count: number;
}

/** Buckets kept triggered at most: the oldest is forgotten first (a run that never completes). */
const MAX_TRIGGERED = 1_000;

/** Marks the buckets of the trigger's Proactive firings as triggered. */
export function markTriggered(
  triggered: Record<string, TriggeredBucket>,
  firings: Firing[],
): Record<string, TriggeredBucket> {
  const proactive = firings.filter((f) => f.posture === 'Proactive' && f.states?.includes('Triggered'));
  if (proactive.length === 0) return triggered;
  const next = { ...triggered };
  for (const firing of proactive) {
    const key = JSON.stringify(Object.values(firing.labels));
    // Firing again (another empty window) keeps it triggered from scratch.
    delete next[key];
    next[key] = { labels: firing.labels, count: 0 };
  }
  const keys = Object.keys(next);
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_TRIGGERED))) delete next[key];
  return next;
}

/** Counts an expected event towards its triggered bucket; at the threshold, the Resolved firing. */
export function resolveOnEvent(
  trigger: EventTrigger,
  triggered: Record<string, TriggeredBucket>,
  event: Event,
): { triggered: Record<string, TriggeredBucket>; firing: Firing | null } {
  if (trigger.posture !== 'Proactive' || Object.keys(triggered).length === 0)
    return { triggered, firing: null };
  if (!triggerCovers(trigger, event) || !triggerExpects(trigger, event.event))
    return { triggered, firing: null };
  const { key } = bucketOf(trigger, event);
  const bucket = triggered[key];
  if (!bucket) return { triggered, firing: null };
  const next = { ...triggered };
  const count = bucket.count + 1;
  if (count < trigger.threshold) {
    next[key] = { ...bucket, count };
    return { triggered: next, firing: null };
  }
  delete next[key];
  return {
    triggered: next,
    firing: {
      id: `resolved:${event.id}`,
      triggered: event.occurred,
      posture: 'Proactive',
      trigger_type: 'event',
      states: ['Resolved'],
      labels: bucket.labels,
      count,
      event,
    },
  };
}
