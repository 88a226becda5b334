// What an agent is started with, and the stages it goes through (agent.ts runs them).
import type { EdgeflowClient } from '../client/index.ts';
import type { Isolation, WarmReuse } from './warm-reuse.ts';

/**
 * - `starting`: checking the pool, pre-starting children, first heartbeat.
 * - `running`: claiming whenever a slot is free.
 * - `draining`: stopped claiming (SIGTERM/SIGINT); running flows get the grace period to finish.
 * - `cancelling`: grace is over; the remaining runs are killed and reported CANCELLED.
 * - `stopped`: nothing left running; `run()` resolves.
 */
export type AgentLifecycle = 'starting' | 'running' | 'draining' | 'cancelling' | 'stopped';

export interface AgentOptions {
  client: EdgeflowClient;
  apiKey: string;
  pool: string;
  queues?: string[];
  /** Flow runs executed at once. */
  limit: number;
  name?: string;
  heartbeatSeconds: number;
  /** Idle children kept started. */
  prestart: number;
  /**
   * `warm` (default): a process that finished a run takes the next run of the same entrypoint;
   * `process`: one process per run (docs/agent.md, "Warm reuse").
   */
  isolation?: Isolation;
  /** When a warm process is ended anyway; defaults: 100 runs, 512 MB. */
  warmReuse?: Partial<WarmReuse>;
  graceSeconds: number;
  /**
   * For benchmarks and servers without long-polling: claim without waiting (`wait_ms` 0) and sleep this
   * long after a claim that found nothing, as Prefect's workers poll. Absent: long-poll.
   */
  pollIntervalMs?: number;
  /** Where the runs' entrypoints are resolved from. */
  cwd: string;
  /** Echo children's output to the agent's own stdout/stderr, as Prefect's workers do. */
  echoOutput?: boolean;
  /** The agent's own messages. */
  report?(message: string): void;
}
