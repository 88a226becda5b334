// The agent's heartbeats: the first one checks the key and the pool, the rest renew its runs' leases
// every interval and bring back the runs to cancel and the runs it lost (docs/agent.md).
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, backoffDelayMs, type EdgeflowClient } from '../client/index.ts';
import { CLAIM_BACKOFF } from './claim-loop.ts';

/** The agent as its heartbeats see it. */
export interface HeartbeatingAgent {
  readonly client: EdgeflowClient;
  readonly name: string;
  readonly pool: string;
  readonly heartbeatSeconds: number;
  /** True until the agent has started (or was stopped first). */
  starting(): boolean;
  /** The flow runs it is running, whose leases the heartbeat renews. */
  running(): string[];
  /** Ends the runs the server says are cancelling. */
  cancel(flowRunIds: string[], reason: string): void;
  /** Kills the runs whose lease is someone else's now; nothing is reported for them. */
  lose(flowRunIds: string[]): void;
  report(message: string): void;
}

/**
 * The first heartbeat checks the key and the pool: a missing pool is created (as Prefect's workers
 * do), an unreachable server is waited for, and any other refusal ends the agent.
 */
export async function firstHeartbeat(agent: HeartbeatingAgent): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await heartbeat(agent);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && attempt === 1) {
        agent.report(`work pool "${agent.pool}" does not exist: creating it`);
        // Another agent may create it first: a 409 means it exists now, which is all we need.
        await agent.client.workPools
          .create({ name: agent.pool, type: 'process' })
          .catch((conflict: unknown) => {
            if (!(conflict instanceof ApiError && conflict.status === 409)) throw conflict;
          });
        continue;
      }
      if (error instanceof ApiError) throw error;
      if (!agent.starting()) return;
      agent.report(`waiting for the server: ${(error as Error).message}`);
      await sleep(backoffDelayMs(attempt, CLAIM_BACKOFF));
    }
  }
}

/** Heartbeats every interval until `signal` aborts; a failed heartbeat is reported, not fatal. */
export async function heartbeatLoop(agent: HeartbeatingAgent, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await sleep(agent.heartbeatSeconds * 1000, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    await heartbeat(agent).catch((error: unknown) =>
      agent.report(`heartbeat failed: ${(error as Error).message}`),
    );
  }
}

async function heartbeat(agent: HeartbeatingAgent): Promise<void> {
  const response = await agent.client.workPools.heartbeat(agent.pool, {
    name: agent.name,
    heartbeat_interval_seconds: agent.heartbeatSeconds,
    running: agent.running(),
  });
  agent.cancel(response.cancelling, 'The flow run was cancelled.');
  agent.lose(response.lost);
}
