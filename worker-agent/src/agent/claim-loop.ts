// The agent's claim loop: one claim in flight at a time for the free slots, long-polled, retried with
// its claim_id after a failure, and released when the agent stops with it in flight (docs/agent.md).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, backoffDelayMs, type EdgeflowClient } from '../client/index.ts';
import { type ClaimedFlowRun, MAX_CLAIM_WAIT_MS } from '../protocol/index.ts';

/** Backoff between failed claims, and while the server is not reachable yet. */
export const CLAIM_BACKOFF = { baseMs: 500, maxMs: 10_000 };
/**
 * After a claim that brought runs, the next claim waits until their flow functions have started, at
 * most this long. A claim costs the server about as much as a run's RUNNING and would compete with
 * it on a small server; a run that falls due meanwhile is due, so the next claim hands it over at once.
 */
const START_BEFORE_NEXT_CLAIM_MS = 250;
/** A stopping agent gives up on releasing its claim in flight after this long (see `releaseClaim`). */
const RELEASE_CLAIM_TIMEOUT_MS = 2_000;

/** The agent as its claim loop sees it. */
export interface ClaimingAgent {
  readonly client: EdgeflowClient;
  readonly name: string;
  readonly pool: string;
  readonly queues: string[] | undefined;
  /** Claim without waiting and sleep this long after an empty answer; absent: long-poll. */
  readonly pollIntervalMs: number | undefined;
  /** Aborted when the agent stops claiming; a claim in flight is aborted with it. */
  readonly stopSignal: AbortSignal;
  /** True while the agent is `running`: the loop ends when it is not. */
  claiming(): boolean;
  freeSlots(): number;
  /** Resolves when a run ends (or the agent stops). */
  slotFreed(): Promise<void>;
  /** Starts a claimed run; resolves once its flow function has started (or the run ended first). */
  start(claimed: ClaimedFlowRun): Promise<void>;
  /** Ends the runs the server says are cancelling. */
  cancel(flowRunIds: string[], reason: string): void;
  report(message: string): void;
}

/** Claims runs until the agent stops, and starts each run the server hands over. */
export async function claimLoop(agent: ClaimingAgent): Promise<void> {
  let failures = 0;
  let claimId = randomUUID();
  let claiming = false;
  while (agent.claiming()) {
    const free = agent.freeSlots();
    if (free <= 0) {
      await agent.slotFreed();
      continue;
    }
    try {
      // A retried claim keeps its claim_id, so the server can answer it with the runs it already
      // leased. An agent that stops with the claim in flight releases it (`releaseClaim`); one that
      // dies leaves those runs to the server: their leases lapse without heartbeats naming them, and
      // they are crashed or requeued (deployed, the API also gives up a claim whose client is gone).
      claiming = true;
      const response = await agent.client.workPools.claim(
        agent.pool,
        {
          name: agent.name,
          queues: agent.queues,
          limit: free,
          wait_ms: agent.pollIntervalMs === undefined ? MAX_CLAIM_WAIT_MS : 0,
          claim_id: claimId,
        },
        agent.stopSignal,
      );
      claiming = false;
      claimId = randomUUID();
      failures = 0;
      const starting = response.runs.map((claimed) => agent.start(claimed));
      agent.cancel(response.cancelling, 'The flow run was cancelled.');
      if (starting.length > 0) {
        await Promise.race([
          Promise.all(starting),
          sleep(START_BEFORE_NEXT_CLAIM_MS, undefined, { signal: agent.stopSignal }).catch(() => undefined),
        ]);
      }
      if (agent.pollIntervalMs !== undefined && response.runs.length === 0) {
        await sleep(agent.pollIntervalMs, undefined, { signal: agent.stopSignal }).catch(() => undefined);
      }
    } catch (error) {
      if (agent.stopSignal.aborted) {
        if (claiming) await releaseClaim(agent, claimId);
        return;
      }
      claiming = false;
      failures++;
      agent.report(`claim failed (${failures}): ${(error as Error).message}`);
      await sleep(backoffDelayMs(failures, CLAIM_BACKOFF), undefined, { signal: agent.stopSignal }).catch(
        () => undefined,
      );
    }
  }
}

/**
 * Stopping with a claim in flight: the server could hold it on and lease runs to it, or have
 * answered it already, and this agent would never read the answer. Releasing it sends those runs
 * back to the queue at once; without it, they would wait for their leases to lapse.
 */
async function releaseClaim(agent: ClaimingAgent, claimId: string): Promise<void> {
  try {
    await agent.client.workPools.releaseClaim(
      agent.pool,
      { name: agent.name, claim_id: claimId },
      AbortSignal.timeout(RELEASE_CLAIM_TIMEOUT_MS),
    );
  } catch (error) {
    // Only a server that answered is worth a word. One that is unreachable or going away (stopped
    // along with this agent, as `npm run dev` does) leaves the claim to its lease or its own end.
    if (error instanceof ApiError) agent.report(`could not release the claim in flight: ${error.message}`);
  }
}
