// Which events a trigger covers (docs/automations.md): resource specifications with Prefect's
// wildcards, event names with prefixes, and the for_each labels that split events into buckets.
import type { Event } from 'edgeflow/protocol';
import type { EventTrigger, ResourceSpecification } from './trigger-schemas';

/** One label value against one pattern: `x*` is a prefix, `*` anything, otherwise exact. */
function valueMatches(pattern: string, value: string): boolean {
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

/**
 * A resource against a specification: every label named must match one of its values (`!x` values
 * are exclusions, which the label must match none of). An empty specification matches every resource.
 */
export function resourceMatches(spec: ResourceSpecification, labels: Record<string, string>): boolean {
  for (const [label, given] of Object.entries(spec)) {
    const patterns = Array.isArray(given) ? given : [given];
    const excluded = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    const included = patterns.filter((p) => !p.startsWith('!'));
    const value = labels[label];
    if (value === undefined) {
      if (included.length > 0) return false;
      continue;
    }
    if (excluded.some((p) => valueMatches(p, value))) return false;
    if (included.length > 0 && !included.some((p) => valueMatches(p, value))) return false;
  }
  return true;
}

/** An event name against a list of names (`prefect.flow-run.*` is a prefix). */
export function eventNameMatches(names: readonly string[], name: string): boolean {
  return names.some((pattern) => valueMatches(pattern, name));
}

/** Whether the event is about what the trigger watches: its resource and its related resources. */
export function triggerCovers(trigger: EventTrigger, event: Event): boolean {
  if (!resourceMatches(trigger.match, event.resource)) return false;
  const specs = Array.isArray(trigger.match_related) ? trigger.match_related : [trigger.match_related];
  for (const spec of specs) {
    if (Object.keys(spec).length === 0) continue;
    if (!event.related.some((related) => resourceMatches(spec, related))) return false;
  }
  return true;
}

/** Whether the event counts towards the threshold: any covered event when `expect` is empty. */
export function triggerExpects(trigger: EventTrigger, name: string): boolean {
  return trigger.expect.length === 0 || eventNameMatches(trigger.expect, name);
}

/** Whether the event opens a bucket for a trigger that waits for `after` events first. */
export function triggerStartsAfter(trigger: EventTrigger, name: string): boolean {
  return trigger.after.length > 0 && eventNameMatches(trigger.after, name);
}

/**
 * The event's value for one for_each label: `prefect.resource.id` reads the resource,
 * `related:<role>:<label>` the first related resource in that role.
 */
function labelValue(event: Event, label: string): string {
  if (label.startsWith('related:')) {
    const [, role, ...rest] = label.split(':');
    const name = rest.join(':');
    const related = event.related.find((r) => r['prefect.resource.role'] === role);
    return related?.[name] ?? '';
  }
  return event.resource[label] ?? '';
}

/** The bucket an event falls in: its for_each labels, and a key made of them. */
export function bucketOf(
  trigger: EventTrigger,
  event: Event,
): { key: string; labels: Record<string, string> } {
  const labels: Record<string, string> = {};
  for (const label of [...trigger.for_each].sort()) labels[label] = labelValue(event, label);
  return { key: JSON.stringify(Object.values(labels)), labels };
}
