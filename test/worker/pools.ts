// Helpers for the work-pool tests: a fresh pool per test, runs in it, and the agent's calls.

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { ClaimResponse, FlowRun, WorkerHeartbeatResponse } from 'edgeflow/protocol';
import { expect } from 'vitest';
import type { WorkPoolObject } from '../../src/durable/work-pool-object';
import { api, createFlow } from './api';

export async function createPool(body: Record<string, unknown> = {}): Promise<string> {
  const name = (body.name as string | undefined) ?? `pool-${crypto.randomUUID().slice(0, 8)}`;
  const { status } = await api('POST', '/work_pools', { type: 'process', ...body, name });
  expect(status).toBe(201);
  return name;
}

export async function createQueue(pool: string, body: Record<string, unknown>): Promise<void> {
  const { status } = await api('POST', `/work_pools/${pool}/queues`, body);
  expect(status).toBe(201);
}

/** A run meant for an agent: SCHEDULED at now unless `state` says otherwise. */
export async function createPoolRun(pool: string, body: Record<string, unknown> = {}): Promise<FlowRun> {
  const flow_id = (body.flow_id as string | undefined) ?? (await createFlow());
  const { status, body: run } = await api<FlowRun>('POST', '/flow_runs', {
    flow_id,
    work_pool_name: pool,
    entrypoint: 'flows/hello.ts:hello',
    ...body,
  });
  expect(status).toBe(201);
  return run;
}

/** SCHEDULED at `at` (epoch ms). */
export const scheduledAt = (at: number) => ({
  state: { type: 'SCHEDULED', state_details: { scheduled_time: new Date(at).toISOString() } },
});

export async function claim(pool: string, body: Record<string, unknown>): Promise<ClaimResponse> {
  const { status, body: answer } = await api<ClaimResponse>('POST', `/work_pools/${pool}/claim`, body);
  expect(status).toBe(200);
  return answer;
}

export async function heartbeat(
  pool: string,
  name: string,
  running: string[],
  heartbeat_interval_seconds = 10,
): Promise<WorkerHeartbeatResponse> {
  const { status, body } = await api<WorkerHeartbeatResponse>(
    'POST',
    `/work_pools/${pool}/workers/heartbeat`,
    {
      name,
      heartbeat_interval_seconds,
      running,
    },
  );
  expect(status).toBe(200);
  return body;
}

export async function readRun(id: string): Promise<FlowRun> {
  return (await api<FlowRun>('GET', `/flow_runs/${id}`)).body;
}

export function poolStub(pool: string) {
  return env.WORK_POOLS.get(env.WORK_POOLS.idFromName(pool));
}

/**
 * Moves the pool object's clock `ms` ahead (cumulatively): its leases lapse, runs turn Late and agents
 * go offline as if that time had passed, without the test waiting for it.
 */
export async function advancePoolClock(pool: string, ms: number): Promise<void> {
  await runInDurableObject(poolStub(pool), (instance: WorkPoolObject) => {
    const from = instance.clock;
    instance.clock = { now: () => from.now() + ms };
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
