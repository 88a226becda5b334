// Calls on named concurrency and rate limits, their leases, and task tag limits (docs/concurrency.md).
import { z } from 'zod';
import {
  type AcquireSlotsSchema,
  type ConcurrencyLimitCreateSchema,
  ConcurrencyLimitSchema,
  type ConcurrencyLimitUpdate,
  LeaseGrantSchema,
  LimitHoldersSchema,
  TagConcurrencyLimitSchema,
} from '../protocol/index.ts';
import type { HttpTransport } from './http.ts';

const part = (value: string) => encodeURIComponent(value);
const V2 = '/api/v2/concurrency_limits';
const NO_BODY = z.unknown();

export class LimitsClient {
  readonly #http: HttpTransport;

  constructor(http: HttpTransport) {
    this.#http = http;
  }

  create(body: z.input<typeof ConcurrencyLimitCreateSchema>) {
    return this.#http.request('POST', V2, { body, schema: ConcurrencyLimitSchema });
  }

  read(idOrName: string) {
    return this.#http.request('GET', `${V2}/${part(idOrName)}`, { schema: ConcurrencyLimitSchema });
  }

  list(offset = 0, limit = 200) {
    return this.#http.request('POST', `${V2}/filter`, {
      body: { offset, limit },
      schema: z.array(ConcurrencyLimitSchema),
    });
  }

  update(idOrName: string, body: ConcurrencyLimitUpdate) {
    return this.#http.request('PATCH', `${V2}/${part(idOrName)}`, { body, schema: NO_BODY });
  }

  remove(idOrName: string) {
    return this.#http.request('DELETE', `${V2}/${part(idOrName)}`, { schema: NO_BODY });
  }

  reset(idOrName: string) {
    return this.#http.request('POST', `${V2}/${part(idOrName)}/reset`, { schema: ConcurrencyLimitSchema });
  }

  holders(idOrName: string) {
    return this.#http.request('GET', `${V2}/${part(idOrName)}/holders`, { schema: LimitHoldersSchema });
  }

  /**
   * Takes slots under a lease; a full limit throws `LockedError` with the server's Retry-After. With
   * `wait_seconds` the server holds the request that long, so the timeout grows by as much. One
   * attempt: a lost answer may have taken slots, and its lease lapses by itself.
   */
  /** `signal` ends a held wait early (the run it waits for stopped). */
  acquire(body: z.input<typeof AcquireSlotsSchema>, signal?: AbortSignal) {
    return this.#http.request('POST', `${V2}/increment-with-lease`, {
      body,
      schema: LeaseGrantSchema,
      extraTimeoutMs: (body.wait_seconds ?? 0) * 1000,
      attempts: 1,
      signal,
    });
  }

  renew(leaseId: string, leaseSeconds: number) {
    return this.#http.request('POST', `${V2}/leases/${part(leaseId)}/renew`, {
      body: { lease_duration: leaseSeconds },
      schema: NO_BODY,
      attempts: 3,
    });
  }

  release(leaseId: string) {
    return this.#http.request('POST', `${V2}/decrement-with-lease`, {
      body: { lease_id: leaseId },
      schema: NO_BODY,
    });
  }

  upsertTag(tag: string, concurrencyLimit: number) {
    return this.#http.request('POST', '/api/concurrency_limits', {
      body: { tag, concurrency_limit: concurrencyLimit },
      schema: TagConcurrencyLimitSchema,
    });
  }

  readTag(tag: string) {
    return this.#http.request('GET', `/api/concurrency_limits/tag/${part(tag)}`, {
      schema: TagConcurrencyLimitSchema,
    });
  }

  listTags(offset = 0, limit = 200) {
    return this.#http.request('POST', '/api/concurrency_limits/filter', {
      body: { offset, limit },
      schema: z.array(TagConcurrencyLimitSchema),
    });
  }

  resetTag(tag: string) {
    return this.#http.request('POST', `/api/concurrency_limits/tag/${part(tag)}/reset`, {
      schema: TagConcurrencyLimitSchema,
    });
  }

  removeTag(tag: string) {
    return this.#http.request('DELETE', `/api/concurrency_limits/tag/${part(tag)}`, { schema: NO_BODY });
  }
}
