// The inputs and outputs of orchestration: what a run object hands the rules, and what it gets back.
// Pure data: no Cloudflare, Hono or drizzle types, so the rules run and test anywhere.
import type {
  FlowRunPolicy,
  OrchestrationResult,
  State,
  StateCreate,
  StateType,
  TaskRunPolicy,
} from 'edgeflow/protocol';

/** The fields the global bookkeeping transforms maintain on every run. */
export interface RunBookkeeping {
  run_count: number;
  start_time: string | null;
  end_time: string | null;
  /** Seconds spent in RUNNING, summed over every stint. */
  total_run_time: number;
  expected_start_time: string | null;
  next_scheduled_start_time: string | null;
}

export interface FlowRunSnapshot extends RunBookkeeping {
  id: string;
  state: State | null;
  empirical_policy: FlowRunPolicy;
  deployment_id: string | null;
  work_pool_name: string | null;
  infrastructure_pid: string | null;
  parent_task_run_id: string | null;
}

export interface TaskRunSnapshot extends RunBookkeeping {
  id: string;
  flow_run_id: string;
  state: State | null;
  empirical_policy: TaskRunPolicy;
  cache_key: string | null;
  cache_expiration: string | null;
  flow_run_run_count: number;
}

/** Time, ids and randomness come from the caller, so every rule is testable at any instant. */
export interface OrchestrationClock {
  now: Date;
  newStateId: () => string;
  /** Uniform in [0, 1): drives retry jitter. */
  random: () => number;
}

export interface FlowTransitionInput {
  run: FlowRunSnapshot;
  proposed: StateCreate;
  force: boolean;
  clock: OrchestrationClock;
}

export interface TransitionOutcome<Run> {
  /** What the API returns. `state` is the written state, or the run's current state when nothing was written. */
  result: OrchestrationResult;
  /** The state row to append to the history, or null when nothing was written. */
  written: State | null;
  /** The run after the transition's bookkeeping (unchanged when nothing was written). */
  run: Run;
}

export type FlowTransitionOutcome = TransitionOutcome<FlowRunSnapshot>;

/** What a task's rules need to know about the enclosing flow run. */
export interface ParentFlowRunView {
  state_type: StateType | null;
  state_name: string | null;
  run_count: number;
  state_details_pause_timeout: string | null;
  state_details_pause_reschedule: boolean | null;
}

export interface TaskTransitionInput {
  run: TaskRunSnapshot;
  flowRun: ParentFlowRunView;
  proposed: StateCreate;
  force: boolean;
  /**
   * The newest unexpired cache record's COMPLETED state for `proposed.state_details.cache_key`,
   * loaded by the caller before orchestration (CacheRetrieval), or null when there is none.
   */
  cached: State | null;
  clock: OrchestrationClock;
}

export interface CacheInsert {
  cache_key: string;
  cache_expiration: string | null;
  state: State;
}

export interface TaskTransitionOutcome extends TransitionOutcome<TaskRunSnapshot> {
  /** A cache record to store after the write commits (CacheInsertion), or null. */
  cacheInsert: CacheInsert | null;
}
