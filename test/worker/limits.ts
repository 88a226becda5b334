// Helpers for the named-limit tests: calls that keep the response headers, and each limit object's clock.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { ConcurrencyLimit, LimitHolders } from 'edgeflow/protocol';
import { expect } from 'vitest';
import type { ConcurrencyLimitObject } from '../../src/durable/concurrency-limit-object';
import { ADMIN_KEY } from './api';

export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = unknown>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
  const response = await exports.default.fetch(`http://edgeflow.test/api${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

export const uniqueName = (prefix = 'limit') => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

export async function createLimit(fields: {
  limit: number;
  slot_decay_per_second?: number;
  active?: boolean;
  name?: string;
}): Promise<ConcurrencyLimit> {
  const { status, body } = await call<ConcurrencyLimit>('POST', '/v2/concurrency_limits', {
    name: uniqueName(),
    ...fields,
  });
  expect(status).toBe(201);
  return body;
}

export async function readLimit(name: string): Promise<ConcurrencyLimit> {
  const { status, body } = await call<ConcurrencyLimit>('GET', `/v2/concurrency_limits/${name}`);
  expect(status).toBe(200);
  return body;
}

export function acquire(names: string[], fields: Record<string, unknown> = {}) {
  return call<{ lease_id: string; limits: { name: string }[]; detail?: string; field?: string }>(
    'POST',
    '/v2/concurrency_limits/increment-with-lease',
    { names, slots: 1, ...fields },
  );
}

export async function release(leaseId: string): Promise<void> {
  const { status } = await call('POST', '/v2/concurrency_limits/decrement-with-lease', { lease_id: leaseId });
  expect(status).toBe(204);
}

export async function holders(name: string): Promise<LimitHolders> {
  const { body } = await call<LimitHolders>('GET', `/v2/concurrency_limits/${name}/holders`);
  return body;
}

/** Resolves once the limit holds `count` waiting requests: observed, not slept for. */
export async function untilWaiting(name: string, count: number): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if ((await holders(name)).waiters.length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`${name} never had ${count} waiters`);
}

export function limitStub(name: string) {
  return env.CONCURRENCY_LIMITS.get(env.CONCURRENCY_LIMITS.idFromName(`limit:${name}`));
}

/** Pins the limit object's clock at `at` (epoch ms); later calls move it. */
export async function setLimitClock(name: string, at: number): Promise<void> {
  await runInDurableObject(limitStub(name), (instance: ConcurrencyLimitObject) => {
    instance.clock = { now: () => at };
  });
}

export async function fireLimitAlarm(name: string): Promise<void> {
  await runDurableObjectAlarm(limitStub(name));
}
