// Compound and sequence triggers (docs/automations.md): their children's firings are collected, one
// per child (the latest), and the parent fires when enough of them (compound) or all of them in order
// (sequence) fell within its window; then the collected firings are spent.
import type { Firing } from './evaluation';
import { type CompositeTrigger, requiredFirings } from './trigger-schemas';

/** A child firing waiting for its parent: which child, when it fired (epoch ms) and its id. */
export interface ChildFiring {
  child: number;
  at: number;
  id: string;
}

export interface CompositeState<ChildState> {
  children: ChildState[];
  /** In arrival order, at most one per child. */
  fired: ChildFiring[];
}

/** Whether the collected firings complete the trigger. */
function complete(trigger: CompositeTrigger, fired: ChildFiring[]): boolean {
  if (fired.length < requiredFirings(trigger)) return false;
  if (trigger.type === 'compound') return true;
  // A stable sort: firings at the same instant keep their arrival order (children in index order).
  const order = [...fired].sort((a, b) => a.at - b.at).map((f) => f.child);
  return order.every((child, index) => child === index);
}

/**
 * Collects the children's new firings, in order, and returns the parent's. A parent firing is named
 * after the child firing that completed it, so a replay repeats its id, and one event that fires two
 * children of an "any" compound fires the parent once.
 */
export function collectChildFirings(
  trigger: CompositeTrigger,
  fired: ChildFiring[],
  childFirings: { child: number; firing: Firing }[],
): { fired: ChildFiring[]; firings: Firing[] } {
  const firings: Firing[] = [];
  const fire = (completing: Firing, count: number) => {
    const id = `${trigger.type}:${completing.id}`;
    if (firings.some((f) => f.id === id)) return;
    firings.push({
      id,
      triggered: completing.triggered,
      posture: null,
      trigger_type: trigger.type,
      // Its condition (enough firings together) holds at an instant, as a Reactive trigger's does.
      states: ['Triggered', 'Resolved'],
      labels: {},
      count,
      event: completing.event,
    });
  };
  let waiting = fired;
  for (const { child, firing } of childFirings) {
    const at = Date.parse(firing.triggered);
    if (requiredFirings(trigger) === 1) {
      fire(firing, 1);
      continue;
    }
    // Firings older than the window before this one no longer count.
    const oldest = trigger.within === null ? Number.NEGATIVE_INFINITY : at - trigger.within * 1_000;
    waiting = [...waiting.filter((f) => f.child !== child && f.at >= oldest), { child, at, id: firing.id }];
    if (complete(trigger, waiting)) {
      fire(firing, waiting.length);
      waiting = [];
    }
  }
  return { fired: waiting, firings };
}
