// Automations that would run for ever (docs/automations.md, "Loops"). A Reactive trigger that fires
// on the events every flow run goes through, with an action that starts flow runs, fires again on the
// runs it starts: one event, one run, one more event, without end. Prefect Cloud refuses such an
// automation at creation (`prevent_run_deployment_loops`); so do we, and we count an empty `expect`
// (any event) among them, as Prefect's own maintainers found it loops too. Loops this check cannot
// see (through a second automation, or on events only some runs reach) are bounded at run time by
// the evaluator's chain limit (`MAX_RUN_CHAIN`). Pure.
import { eventNameMatches } from './matching';
import type { AutomationCreate } from './schemas';
import type { ResourceSpecification } from './trigger-schemas';

/** The events every run a deployment starts goes through, whatever its flow does. */
const EVERY_RUN_EVENTS = [
  'prefect.flow-run.Scheduled',
  'prefect.flow-run.Pending',
  'prefect.flow-run.Running',
];

/**
 * How many runs in a row an automation may start from the events of runs it started itself: a
 * "run again when it fails" automation gets this many attempts, a loop stops after this many runs.
 */
export const MAX_RUN_CHAIN = 10;

/**
 * Firings an automation acts on per minute. Past it, its actions fail ("rate limit") until the minute
 * has passed: a loop through any action (a pause that emits the event that fires it again) causes no
 * more events and dies there, and a flood of events costs the server at most this much work.
 */
export const MAX_FIRINGS_PER_MINUTE = 1_000;

/** Whether a pattern of `prefect.resource.id` covers every flow run (`prefect.flow-run.*`, `prefect.*`, `*`). */
const coversEveryRun = (pattern: string) =>
  pattern.endsWith('*') && 'prefect.flow-run.'.startsWith(pattern.slice(0, -1));

/**
 * Whether a resource specification lets through every flow run: it names no label but the resource
 * id, and that only through patterns that cover every run. (Exclusions leave all the others through.)
 */
function matchesEveryRun(spec: ResourceSpecification): boolean {
  for (const [label, given] of Object.entries(spec)) {
    if (label !== 'prefect.resource.id') return false;
    const included = (Array.isArray(given) ? given : [given]).filter((p) => !p.startsWith('!'));
    if (included.length > 0 && !included.some(coversEveryRun)) return false;
  }
  return true;
}

/** The field and the reason an automation would start runs that fire it again, or null. */
export function runLoopProblem(
  automation: Pick<AutomationCreate, 'enabled' | 'trigger' | 'actions' | 'actions_on_trigger'>,
): { field: string; message: string } | null {
  const { trigger } = automation;
  if (!automation.enabled || trigger.type !== 'event' || trigger.posture !== 'Reactive') return null;
  const firesOnEveryRun =
    trigger.expect.length === 0 || EVERY_RUN_EVENTS.some((name) => eventNameMatches(trigger.expect, name));
  if (!firesOnEveryRun) return null;
  const related = Array.isArray(trigger.match_related) ? trigger.match_related : [trigger.match_related];
  const unfiltered = matchesEveryRun(trigger.match) && related.every(matchesEveryRun);
  for (const action of [...automation.actions, ...automation.actions_on_trigger]) {
    if (action.type !== 'run-deployment') continue;
    // An inferred deployment is the triggering run's own: whatever the filters, its new run matches them.
    if (action.source === 'inferred' || unfiltered)
      return {
        field: 'trigger.expect',
        message: `${trigger.expect.length === 0 ? 'an empty expect (any event)' : 'expect'} fires on the events every flow run goes through (${EVERY_RUN_EVENTS.join(', ')}), and the run-deployment action ${action.source === 'inferred' ? "runs the triggering run's own deployment" : 'starts runs that match this trigger'}: each run would start another, for ever. Name the events to wait for in expect, or narrow match or match_related to runs this automation does not start`,
      };
  }
  return null;
}

/** What an automation knows of a run it started: how far down a chain it is, and what it started from it. */
export interface StartedRun {
  chain: number;
  /** The action (firing key and index) that started a run from this run's events, if one did. */
  spawned_by: string | null;
}

/**
 * Whether the run-deployment action `key` may start a run, given the run it was triggered from when
 * this automation started that one (null: a run it did not start, or no run at all). One run from
 * each run it started (an action retried under its own key still finds its run), and at most
 * `MAX_RUN_CHAIN` in a row.
 */
export function runChainVerdict(
  parent: StartedRun | null,
  key: string,
): { chain: number } | { blocked: string } {
  if (!parent) return { chain: 1 };
  if (parent.spawned_by !== null && parent.spawned_by !== key)
    return {
      blocked: 'this automation already started a run from the events of this run, which it started itself',
    };
  if (parent.chain >= MAX_RUN_CHAIN)
    return {
      blocked: `this automation started ${parent.chain} runs in a row, each from the events of the one before: a loop, stopped at ${MAX_RUN_CHAIN}`,
    };
  return { chain: parent.chain + 1 };
}
