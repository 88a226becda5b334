// Helpers for the deployment, schedule and scheduler tests: deployments in a fresh pool, cron ticks at
// a chosen instant, and a deployment's runs as the index lists them.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Deployment, FlowRun } from 'edgeflow/protocol';
import { expect } from 'vitest';
import worker from '../../src/index';
import { api } from './api';
import { createPool } from './pools';

export const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

/** A deployment of a fresh flow in a fresh pool; `body` overrides any field. */
export async function createDeployment(body: Record<string, unknown> = {}): Promise<Deployment> {
  const work_pool_name = (body.work_pool_name as string | undefined) ?? (await createPool());
  const { status, body: deployment } = await api<Deployment>('POST', '/deployments', {
    name: unique('deployment'),
    flow_name: unique('flow'),
    entrypoint: 'flows/hello.ts:hello',
    work_pool_name,
    ...body,
  });
  expect(status).toBe(201);
  return deployment;
}

/** Registers deployments through the batch route, which leaves planning their runs to the next tick. */
export async function createDeploymentsInBulk(bodies: Record<string, unknown>[]): Promise<string[]> {
  const work_pool_name = await createPool();
  const { status, body } = await api<{ results: { id: string }[] }>('POST', '/deployments/bulk', {
    deployments: bodies.map((b) => ({
      name: unique('deployment'),
      flow_name: unique('flow'),
      entrypoint: 'flows/hello.ts:hello',
      work_pool_name,
      ...b,
    })),
  });
  expect(status).toBe(200);
  return body.results.map((result) => result.id);
}

/** One Cron Trigger tick of the real Worker at `at` (epoch ms, default now). */
export async function tick(at: number = Date.now()): Promise<void> {
  const controller = createScheduledController({ scheduledTime: new Date(at), cron: '* * * * *' });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env, ctx);
  await waitOnExecutionContext(ctx);
}

/** The deployment's runs, oldest expected start first. */
export async function runsOf(deploymentId: string, state?: string[]): Promise<FlowRun[]> {
  const { body } = await api<FlowRun[]>('POST', '/flow_runs/filter', {
    flow_runs: {
      deployment_id: { any_: [deploymentId] },
      ...(state ? { state: { type: { any_: state } } } : {}),
    },
    sort: 'EXPECTED_START_TIME_ASC',
  });
  return body;
}

export const hourly = { cron: '0 * * * *', timezone: 'UTC' };
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
