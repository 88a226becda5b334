// The rule pipeline: runs an ordered policy of rules, then the bookkeeping transforms, over one proposal.
import type {
  OrchestrationDetails,
  OrchestrationStatus,
  State,
  StateCreate,
  StateType,
} from 'edgeflow/protocol';
import { normaliseProposal, type ProposedState } from './proposal';
import type { CacheInsert, OrchestrationClock, TransitionOutcome } from './types';

/** The state types a rule governs; 'any' also covers a run that has no state yet. */
export type StateTypeSet = readonly StateType[] | 'any';

/**
 * Work a rule asks the caller to do after the write commits. Dropped when the rule fizzles.
 * A closed set: later rules (concurrency slots, leases) add their kinds here.
 */
export type RuleEffect = { kind: 'insert_cache_record'; record: Omit<CacheInsert, 'state'> };

export interface RuleContext<Run, Extra = unknown> {
  /** The run's current state, or null for a run that has none yet. */
  initial: State | null;
  /** The proposal as earlier rules left it. */
  proposed: ProposedState;
  /** The run as earlier rules left it. */
  run: Run;
  clock: OrchestrationClock;
  /** Inputs the caller loaded for the rules (parent flow run, cache hit, later deployments or limits). */
  extra: Extra;
}

export interface RuleChanges<Run> {
  proposed?: ProposedState;
  run?: Run;
  effects?: readonly RuleEffect[];
}

export type RuleDecision<Run> =
  | ({ kind: 'continue' } & RuleChanges<Run>)
  /** Accept now: later rules of the policy are skipped, the transforms still run. */
  | ({ kind: 'accept' } & RuleChanges<Run>)
  | {
      kind: 'reject';
      state: ProposedState | null;
      reason: string;
      run?: Run;
      effects?: readonly RuleEffect[];
    }
  | { kind: 'wait'; delay_seconds: number; reason: string }
  | { kind: 'abort'; reason: string };

export interface CleanupContext<Run, Extra = unknown> {
  /** The context the rule decided in. */
  seen: RuleContext<Run, Extra>;
  /** The run after every rule, which cleanup may amend. */
  run: Run;
  /** What will be written instead of what the rule agreed to, or null when nothing will be. */
  proposed: ProposedState | null;
}

export interface Rule<Run, Extra = unknown> {
  name: string;
  from: StateTypeSet;
  to: StateTypeSet;
  decide(ctx: RuleContext<Run, Extra>): RuleDecision<Run>;
  /**
   * Runs when a later rule changed the proposal's type or dropped it (the rule "fizzled"): undo the
   * rule's own changes to the run, or hand back what it took.
   */
  cleanup?(ctx: CleanupContext<Run, Extra>): Omit<RuleChanges<Run>, 'proposed'>;
}

export interface TransformContext<Run> {
  initial: State | null;
  proposed: ProposedState;
  run: Run;
}

/** Bookkeeping that runs on every transition that writes a state, whatever the policy. */
export interface Transform<Run> {
  name: string;
  apply(ctx: TransformContext<Run>): { proposed: ProposedState; run: Run };
}

export type Policy<Run, Extra = unknown> = readonly Rule<Run, Extra>[];

export const proceed = <Run>(changes: RuleChanges<Run> = {}): RuleDecision<Run> => ({
  kind: 'continue',
  ...changes,
});
export const accept = <Run>(changes: RuleChanges<Run> = {}): RuleDecision<Run> => ({
  kind: 'accept',
  ...changes,
});
export const rename = <Run>(proposed: ProposedState, name: string): RuleDecision<Run> =>
  proceed({ proposed: { ...proposed, name } });
export const reject = <Run>(
  state: ProposedState | null,
  reason: string,
  changes: Omit<RuleChanges<Run>, 'proposed'> = {},
): RuleDecision<Run> => ({ kind: 'reject', state, reason, ...changes });
/** Rounded up, so a client that sleeps the delay never wakes before the time. */
export const wait = <Run>(seconds: number, reason: string): RuleDecision<Run> => ({
  kind: 'wait',
  delay_seconds: Math.ceil(seconds),
  reason,
});
export const abort = <Run>(reason: string): RuleDecision<Run> => ({ kind: 'abort', reason });

function covers(set: StateTypeSet, type: StateType | null): boolean {
  return set === 'any' || (type !== null && set.includes(type));
}

/** A policy with `rules` slotted in right after the rule named `after` (for rules that need more inputs). */
export function insertRulesAfter<Run, Extra>(
  policy: Policy<Run, Extra>,
  after: string,
  rules: Policy<Run, Extra>,
): Policy<Run, Extra> {
  const index = policy.findIndex((rule) => rule.name === after);
  if (index < 0) throw new Error(`No rule named ${after} in this policy`);
  return [...policy.slice(0, index + 1), ...rules, ...policy.slice(index + 1)];
}

export interface PolicyInput<Run, Extra> {
  rules: Policy<Run, Extra>;
  transforms: readonly Transform<Run>[];
  run: Run;
  proposed: StateCreate;
  clock: OrchestrationClock;
  extra: Extra;
}

export interface PolicyOutcome<Run> extends TransitionOutcome<Run> {
  effects: RuleEffect[];
}

interface Fired<Run, Extra> {
  rule: Rule<Run, Extra>;
  seen: RuleContext<Run, Extra>;
  /** The proposal type the rule left behind; it fizzles if the final one differs. */
  leftType: StateType | null;
  effects: readonly RuleEffect[];
}

/**
 * Runs `rules` in order over the proposal, as Prefect's policies do: a rule applies only while the
 * (initial, proposed) types are still the ones first proposed, so once a rule replaces or drops
 * the proposal the later rules stand aside. Then the transforms run on whatever will be written.
 */
export function runPolicy<Run extends { state: State | null }, Extra>(
  input: PolicyInput<Run, Extra>,
): PolicyOutcome<Run> {
  try {
    return applyPolicy(input);
  } catch (error) {
    // As Prefect: a rule that fails answers ABORT ("Error validating state"), never a half-applied write.
    const reason = `Error validating state: ${error instanceof Error ? error.message : String(error)}`;
    return {
      result: { status: 'ABORT', state: input.run.state, details: { type: 'abort_details', reason } },
      written: null,
      run: input.run,
      effects: [],
    };
  }
}

function applyPolicy<Run extends { state: State | null }, Extra>(
  input: PolicyInput<Run, Extra>,
): PolicyOutcome<Run> {
  const { clock, extra } = input;
  const initial = input.run.state;
  const intendedType = input.proposed.type;
  let proposed: ProposedState | null = normaliseProposal(input.proposed, clock.now);
  let run = input.run;
  let status: OrchestrationStatus = 'ACCEPT';
  let details: OrchestrationDetails = { type: 'accept_details' };
  const fired: Fired<Run, Extra>[] = [];

  for (const rule of input.rules) {
    if (proposed === null || proposed.type !== intendedType) break;
    if (!covers(rule.from, initial?.type ?? null) || !covers(rule.to, intendedType)) continue;
    const seen: RuleContext<Run, Extra> = { initial, proposed, run, clock, extra };
    const decision = rule.decide(seen);
    let effects: readonly RuleEffect[] = [];
    switch (decision.kind) {
      case 'continue':
      case 'accept':
        proposed = decision.proposed ?? proposed;
        run = decision.run ?? run;
        effects = decision.effects ?? [];
        break;
      case 'reject':
        proposed = decision.state;
        run = decision.run ?? run;
        effects = decision.effects ?? [];
        status = 'REJECT';
        details = { type: 'reject_details', reason: decision.reason };
        break;
      case 'wait':
        proposed = null;
        status = 'WAIT';
        details = { type: 'wait_details', delay_seconds: decision.delay_seconds, reason: decision.reason };
        break;
      case 'abort':
        proposed = null;
        status = 'ABORT';
        details = { type: 'abort_details', reason: decision.reason };
        break;
      default:
        return decision satisfies never;
    }
    fired.push({ rule, seen, leftType: proposed?.type ?? null, effects });
    if (decision.kind === 'accept') break;
  }

  const finalType = proposed?.type ?? null;
  const effects: RuleEffect[] = [];
  for (const entry of [...fired].reverse()) {
    if (entry.leftType === finalType) {
      effects.unshift(...entry.effects);
    } else if (entry.rule.cleanup) {
      const undone = entry.rule.cleanup({ seen: entry.seen, run, proposed });
      run = undone.run ?? run;
      effects.unshift(...(undone.effects ?? []));
    }
  }

  if (proposed === null) {
    return { result: { status, state: initial, details }, written: null, run: input.run, effects };
  }
  for (const transform of input.transforms) {
    ({ proposed, run } = transform.apply({ initial, proposed, run }));
  }
  const written: State = { id: clock.newStateId(), ...proposed };
  return { result: { status, state: written, details }, written, run: { ...run, state: written }, effects };
}
