// Messages between the agent and its flow-run child processes, over Node's IPC channel.
import type { FlowRun, StateType } from '../protocol/index.ts';
import type { LogRecord } from '../sdk/index.ts';

export type AgentToChild =
  /** Execute this run (with the lease its claim handed out, if any); the child exits when it ends. */
  | { type: 'run'; flow_run: FlowRun; lease_id: string | null }
  /** Every log the agent got before this message has been shipped. */
  | { type: 'flushed'; id: number };

/** How a run ended in the child, as far as the agent must act on it. */
export interface ChildOutcome {
  kind: 'final' | 'aborted' | 'stopped' | 'stale_lease';
  state_type: StateType | null;
  reason: string | null;
}

export type ChildToAgent =
  /** The SDK is loaded: the child can take a run. */
  | { type: 'ready' }
  /** RUNNING was accepted and the flow function is about to be called (for pickup timing). */
  | { type: 'started'; at: number }
  | { type: 'log'; record: LogRecord }
  /** Ship every log so far before the run's final state is proposed (docs/agent.md, "What the agent does"). */
  | { type: 'flush'; id: number }
  | { type: 'done'; outcome: ChildOutcome };
