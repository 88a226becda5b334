// Any trigger as a pure state machine (docs/automations.md): an event trigger's buckets, or a
// composite's children and their collected firings, fed events and instants; at the top, a Proactive
// trigger's triggered buckets, which the expected events resolve.
import type { Event } from 'edgeflow/protocol';
import { type CompositeState, collectChildFirings } from './composite';
import {
  evaluateEvent,
  evaluateTime,
  type Firing,
  initialTriggerState,
  nextWindowEnd,
  type TriggerState,
} from './evaluation';
import { markTriggered, resolveOnEvent, type TriggeredBucket } from './resolution';
import type { CompositeTrigger, Trigger } from './trigger-schemas';

/** An event trigger's buckets (and, at the top, its triggered buckets), or a composite's children. */
export type AnyTriggerState =
  | (TriggerState & { triggered?: Record<string, TriggeredBucket> })
  | CompositeState<AnyTriggerState>;

export interface AnyEvaluation {
  state: AnyTriggerState;
  firings: Firing[];
}

const isComposite = (trigger: Trigger): trigger is CompositeTrigger => trigger.type !== 'event';

/** The state a trigger starts from at `now` (each child from the same instant). */
export function startTrigger(trigger: Trigger, now: number): AnyTriggerState {
  if (!isComposite(trigger)) return initialTriggerState(trigger, now);
  return { children: trigger.triggers.map((child) => startTrigger(child, now)), fired: [] };
}

type Step = (trigger: Trigger, state: AnyTriggerState) => AnyEvaluation;

/** One step through a composite: each child in index order, then their firings collected. */
function compositeStep(
  trigger: CompositeTrigger,
  state: CompositeState<AnyTriggerState>,
  step: Step,
): AnyEvaluation {
  const childFirings: { child: number; firing: Firing }[] = [];
  const children = trigger.triggers.map((child, index) => {
    const evaluated = step(child, state.children[index] ?? startTrigger(child, 0));
    for (const firing of evaluated.firings) childFirings.push({ child: index, firing });
    return evaluated.state;
  });
  const collected = collectChildFirings(trigger, state.fired, childFirings);
  return { state: { children, fired: collected.fired }, firings: collected.firings };
}

function eventStep(event: Event): Step {
  const step: Step = (trigger, state) => {
    if (isComposite(trigger)) return compositeStep(trigger, state as CompositeState<AnyTriggerState>, step);
    return evaluateEvent(trigger, { buckets: (state as TriggerState).buckets }, event);
  };
  return step;
}

function timeStep(now: number): Step {
  const step: Step = (trigger, state) => {
    if (isComposite(trigger)) return compositeStep(trigger, state as CompositeState<AnyTriggerState>, step);
    return evaluateTime(trigger, { buckets: (state as TriggerState).buckets }, now);
  };
  return step;
}

/** An automation's trigger fed one event: its firings, and a Proactive one's resolution. */
export function triggerOnEvent(trigger: Trigger, state: AnyTriggerState, event: Event): AnyEvaluation {
  const evaluated = eventStep(event)(trigger, state);
  if (isComposite(trigger)) return evaluated;
  const triggered = (state as { triggered?: Record<string, TriggeredBucket> }).triggered ?? {};
  const resolved = resolveOnEvent(trigger, triggered, event);
  const firings = resolved.firing ? [...evaluated.firings, resolved.firing] : evaluated.firings;
  return { state: withTriggered(evaluated.state, markTriggered(resolved.triggered, firings)), firings };
}

/** An automation's trigger at an instant: the windows that ended by then settled. */
export function triggerAtTime(trigger: Trigger, state: AnyTriggerState, now: number): AnyEvaluation {
  const evaluated = timeStep(now)(trigger, state);
  if (isComposite(trigger)) return evaluated;
  const triggered = (state as { triggered?: Record<string, TriggeredBucket> }).triggered ?? {};
  return {
    state: withTriggered(evaluated.state, markTriggered(triggered, evaluated.firings)),
    firings: evaluated.firings,
  };
}

function withTriggered(state: AnyTriggerState, triggered: Record<string, TriggeredBucket>): AnyTriggerState {
  return Object.keys(triggered).length === 0 ? state : { ...state, triggered };
}

/** When the trigger next needs an instant: the earliest Proactive window end among it and its children. */
export function nextWake(trigger: Trigger, state: AnyTriggerState): number | null {
  if (!isComposite(trigger)) return nextWindowEnd(trigger, state as TriggerState);
  let earliest: number | null = null;
  for (const [index, child] of trigger.triggers.entries()) {
    const childState = (state as CompositeState<AnyTriggerState>).children[index];
    const end = childState ? nextWake(child, childState) : null;
    if (end !== null && (earliest === null || end < earliest)) earliest = end;
  }
  return earliest;
}
