// Batches flow-run logs to `POST /api/logs`: every 50 ms or 500 lines, one request at a time, in order.
import type { EdgeflowClient } from '../client/index.ts';
import { timeOrderedId } from '../protocol/ids.ts';
import type { LogCreate } from '../protocol/index.ts';
import type { ChildEvents } from './flow-run-child.ts';

export interface LogShipperOptions {
  intervalMs?: number;
  maxBatch?: number;
  /** Lines held while the server is unreachable; the oldest are dropped beyond it. */
  maxQueued?: number;
  onError(message: string): void;
}

export class LogShipper {
  readonly #client: EdgeflowClient;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  readonly #maxQueued: number;
  readonly #onError: (message: string) => void;
  #queue: LogCreate[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | null = null;
  #dropped = 0;

  constructor(client: EdgeflowClient, options: LogShipperOptions) {
    this.#client = client;
    this.#intervalMs = options.intervalMs ?? 50;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#maxQueued = options.maxQueued ?? 100_000;
    this.#onError = options.onError;
  }

  /**
   * Queues a line, giving it its key now if it has none: every send of the line, a retry after a lost
   * answer included, carries the same key, so the server stores it once (docs/agent.md, "Failures and
   * what recovers them").
   */
  push(log: LogCreate): void {
    this.#queue.push(log.key ? log : { ...log, key: timeOrderedId() });
    if (this.#queue.length > this.#maxQueued) {
      this.#queue.shift();
      this.#dropped++;
    }
    if (this.#queue.length >= this.#maxBatch) this.#startSending();
    else this.#timer ??= setTimeout(() => this.#startSending(), this.#intervalMs);
  }

  /** Resolves once everything pushed so far has been sent (or given up on). */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#sending) {
      this.#startSending();
      await this.#sending;
    }
  }

  #startSending(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#sending ??= this.#drain().finally(() => {
      this.#sending = null;
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      try {
        await this.#client.createLogs(batch);
      } catch (error) {
        // The client already retried transient failures; holding on would only grow memory.
        this.#onError(`dropped ${batch.length} log lines: ${(error as Error).message}`);
      }
    }
    if (this.#dropped > 0) {
      this.#onError(`dropped ${this.#dropped} log lines while the server was unreachable`);
      this.#dropped = 0;
    }
  }
}

/**
 * What the flow-run processes print and log goes to `logs` under the run each is running: stdout at
 * level 20, stderr at 40 (`echo` also prints them here, as Prefect's workers do); output of a process
 * waiting for a run is not a run's.
 */
export function shipChildOutput(logs: LogShipper, { echo }: { echo: boolean }): ChildEvents {
  return {
    output: (child, stream, line) => {
      if (echo) (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`);
      if (child.flowRunId === null) return;
      logs.push({
        flow_run_id: child.flowRunId,
        level: stream === 'stdout' ? 20 : 40,
        name: `edgeflow.${stream}`,
        message: line,
        timestamp: new Date().toISOString(),
      });
    },
    log: (child, record) => {
      if (child.flowRunId) logs.push({ ...record, flow_run_id: record.flow_run_id ?? child.flowRunId });
    },
    flush: (_child, ack) => void logs.flush().then(ack),
  };
}
