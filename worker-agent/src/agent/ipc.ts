// Messages between the agent and its flow-run child processes, over Node's IPC channel.
import type { FlowRun, StateCreate, StateType } from '../protocol/index.ts';
import type { LogRecord } from '../sdk/index.ts';

export type AgentToChild =
  /**
   * Execute this run (with the lease its claim handed out, if any). `stay`: the agent may want this
   * process for a later run of the same entrypoint (warm reuse); without it the process exits once the
   * run has ended.
   */
  | { type: 'run'; flow_run: FlowRun; lease_id: string | null; stay: boolean }
  /** Every log the agent got before this message has been shipped. */
  | { type: 'flushed'; id: number }
  /** Stop the run: its signal aborts (cancellation, the agent stopping); the process exits soon after. */
  | { type: 'cancel'; reason: string };

/** How a run ended in the child, as far as the agent must act on it. */
export interface ChildOutcome {
  kind: 'final' | 'aborted' | 'stopped' | 'stale_lease';
  state_type: StateType | null;
  reason: string | null;
}

export type ChildToAgent =
  /** The SDK is loaded: the child can take a run. `version`: the edgeflow package it loaded. */
  | { type: 'ready'; version: string }
  /** RUNNING was accepted and the flow function is about to be called (for pickup timing). */
  | { type: 'started'; at: number }
  | { type: 'log'; record: LogRecord }
  /** Ship every log so far before the run's final state is proposed (docs/agent.md, "What the agent does"). */
  | { type: 'flush'; id: number }
  /**
   * The run has ended. `stays`: the process waits for another run; otherwise it exits now, and
   * `unfit` says why when it was asked to stay (docs/agent.md, "Warm reuse"). `rss_bytes`: its memory.
   */
  | { type: 'done'; outcome: ChildOutcome; stays: boolean; unfit: string | null; rss_bytes: number }
  /**
   * Code of the run is still running past its grace period: the process exits without proposing the
   * run's final state, and the agent proposes `state` once it has gone (docs/sdk.md, "Timeouts and
   * cancellation"), so no code of the run runs after its end.
   */
  | { type: 'hand_over'; state: StateCreate };
