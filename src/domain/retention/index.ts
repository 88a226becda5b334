// Retention decisions (docs/retention.md): how many days each kind of record is kept, the cut-offs
// that follow, which runs may go (only whole finished trees) and which R2 results a run owns. Pure.
import { type FlowRunDeleteBody, isTerminal, type State, type StateType } from 'edgeflow/protocol';

const DAY_MS = 86_400_000;

/** Days kept when nothing is configured. Events have their own setting (docs/events.md). */
export const DEFAULT_RETENTION_DAYS = { runs: 30, logs: 30, artifacts: 30, results: 30 } as const;

export interface RetentionSettings {
  /** Finished flow runs, with their task runs, states, run object, results, logs and artifacts. */
  runs: number;
  /** Log lines, by their timestamp, of runs whose deployment sets no `retention_days`. */
  logs: number;
  /** Artifact versions, by when they were created, likewise. */
  artifacts: number;
  /** R2 results of finished runs, by the run's end, likewise; never longer than the run. */
  results: number;
}

/** A setting's days: a positive number, or the default when unset or not one. */
export function retentionDays(setting: string | undefined, fallback: number): number {
  const days = Number(setting);
  return setting && Number.isFinite(days) && days > 0 ? days : fallback;
}

export function retentionSettings(vars: {
  EDGEFLOW_RUNS_RETENTION_DAYS?: string;
  EDGEFLOW_LOGS_RETENTION_DAYS?: string;
  EDGEFLOW_ARTIFACTS_RETENTION_DAYS?: string;
  EDGEFLOW_RESULTS_RETENTION_DAYS?: string;
}): RetentionSettings {
  return {
    runs: retentionDays(vars.EDGEFLOW_RUNS_RETENTION_DAYS, DEFAULT_RETENTION_DAYS.runs),
    logs: retentionDays(vars.EDGEFLOW_LOGS_RETENTION_DAYS, DEFAULT_RETENTION_DAYS.logs),
    artifacts: retentionDays(vars.EDGEFLOW_ARTIFACTS_RETENTION_DAYS, DEFAULT_RETENTION_DAYS.artifacts),
    results: retentionDays(vars.EDGEFLOW_RESULTS_RETENTION_DAYS, DEFAULT_RETENTION_DAYS.results),
  };
}

/** What ended (or was written) before this instant is due. */
export function retentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/**
 * Runs grouped by how long they are kept: `deploymentDays` null is every run whose deployment sets no
 * `retention_days` (the server's setting applies); a number is the runs of deployments that set
 * exactly that many days. One query per class, each walking only up to its own cut-off.
 */
export interface RunRetentionClass {
  deploymentDays: number | null;
  cutoff: Date;
}

export function runRetentionClasses(
  now: Date,
  settings: RetentionSettings,
  overrides: readonly number[],
): RunRetentionClass[] {
  const distinct = [...new Set(overrides.filter((days) => Number.isFinite(days) && days > 0))].sort(
    (a, b) => a - b,
  );
  return [
    { deploymentDays: null, cutoff: retentionCutoff(now, settings.runs) },
    ...distinct.map((days) => ({ deploymentDays: days, cutoff: retentionCutoff(now, days) })),
  ];
}

/** A run, its subflow runs and theirs, as the index lists them. */
export interface RunTreeMember {
  id: string;
  state_type: StateType | null;
}

/**
 * A run goes only with all its subflow runs, and only when every one of them is final: a child is
 * never left pointing at a deleted parent, and nothing still running or due is ever deleted.
 */
export function treeIsDeletable(members: readonly RunTreeMember[]): boolean {
  return members.length > 0 && members.every((member) => isTerminal(member.state_type));
}

export function isFinalRun(stateType: StateType | null | undefined): boolean {
  return isTerminal(stateType);
}

const RECORD_KEYS = new Set(['storage_key', 'serializer', 'expiration']);

/** The R2 key a state's data points at, when it is exactly a result record (as the SDK writes it). */
function resultKeyOf(data: unknown): string | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const record = data as Record<string, unknown>;
  const exact =
    typeof record.storage_key === 'string' &&
    typeof record.serializer === 'string' &&
    Object.keys(record).every((key) => RECORD_KEYS.has(key));
  return exact ? (record.storage_key as string) : null;
}

/**
 * The R2 results a run's states point at, that the run wrote itself: a `Cached` state points at the
 * result of the earlier run that computed it, so it is that run's to delete, not this one's.
 */
export function ownedResultKeys(states: readonly Pick<State, 'name' | 'data'>[]): string[] {
  const keys = new Set<string>();
  for (const state of states) {
    if (state.name === 'Cached') continue;
    const key = resultKeyOf(state.data);
    if (key) keys.add(key);
  }
  return [...keys];
}

/** Results kept at least as long as runs simply go with their run; only a shorter setting sweeps them ahead. */
export function resultsGoWithRuns(settings: RetentionSettings): boolean {
  return settings.results >= settings.runs;
}

/** A filter that narrows something: a key besides `operator` with a value. */
function narrows(filter: object | undefined): boolean {
  return Object.entries(filter ?? {}).some(([key, value]) => key !== 'operator' && value !== undefined);
}

/** A delete by hand names at least one condition: an empty filter would match every run. */
export function deleteFilterProblem(body: Pick<FlowRunDeleteBody, 'flows' | 'flow_runs'>): string | null {
  if (narrows(body.flows) || narrows(body.flow_runs)) return null;
  return 'give at least one condition in flow_runs or flows: an empty filter would delete every run';
}
