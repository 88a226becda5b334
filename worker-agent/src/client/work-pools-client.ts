// Calls on work pools (docs/work-pools.md): making and reading pools and queues, and the agent's own
// calls on its pool (claim, release a claim, heartbeat).
import { z } from 'zod';
import {
  type ClaimBody,
  ClaimResponseSchema,
  type ReleaseClaimBody,
  type WorkerHeartbeatBody,
  WorkerHeartbeatResponseSchema,
  type WorkPoolCreateSchema,
  WorkPoolSchema,
  type WorkQueueCreateSchema,
  WorkQueueSchema,
} from '../protocol/index.ts';
import type { HttpTransport } from './http.ts';

/** How long past `wait_ms` a claim may take before it is treated as lost. */
const CLAIM_SLACK_MS = 15_000;

const pool = (name: string) => `/api/work_pools/${encodeURIComponent(name)}`;

export class WorkPoolsClient {
  readonly #http: HttpTransport;

  constructor(http: HttpTransport) {
    this.#http = http;
  }

  create(body: z.input<typeof WorkPoolCreateSchema>) {
    return this.#http.request('POST', '/api/work_pools', { body, schema: WorkPoolSchema });
  }

  read(name: string) {
    return this.#http.request('GET', pool(name), { schema: WorkPoolSchema });
  }

  createQueue(poolName: string, body: z.input<typeof WorkQueueCreateSchema>) {
    return this.#http.request('POST', `${pool(poolName)}/queues`, { body, schema: WorkQueueSchema });
  }

  /** Long-polls for due runs; the attempt timeout stretches by `wait_ms` so a held request is not cut. */
  claim(poolName: string, body: ClaimBody, signal?: AbortSignal) {
    return this.#http.request('POST', `${pool(poolName)}/claim`, {
      body,
      schema: ClaimResponseSchema,
      extraTimeoutMs: (body.wait_ms ?? 0) + CLAIM_SLACK_MS,
      signal,
    });
  }

  /** Gives up a claim whose answer this agent will never read (it is stopping): one attempt. */
  releaseClaim(poolName: string, body: ReleaseClaimBody, signal?: AbortSignal) {
    return this.#http.request('POST', `${pool(poolName)}/release_claim`, {
      body,
      schema: z.undefined(),
      signal,
      attempts: 1,
    });
  }

  heartbeat(poolName: string, body: WorkerHeartbeatBody) {
    return this.#http.request('POST', `${pool(poolName)}/workers/heartbeat`, {
      body,
      schema: WorkerHeartbeatResponseSchema,
    });
  }
}
