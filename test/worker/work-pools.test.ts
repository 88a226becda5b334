// Work pools and queues: CRUD, the default queue, and the error shapes.
import type { WorkPool, WorkQueue } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api } from './api';
import { createPool, createQueue } from './pools';

type ErrorBody = { code: string; field?: string };

describe('work pools', () => {
  it('creates a pool with a default queue of priority 1', async () => {
    const { status, body } = await api<WorkPool>('POST', '/work_pools', {
      name: 'etl-pool',
      type: 'process',
      concurrency_limit: 4,
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'etl-pool', type: 'process', concurrency_limit: 4, paused: false });
    expect(body.status).toBe('NOT_READY');
    const queue = await api<WorkQueue>('GET', '/work_pools/etl-pool/queues/default');
    expect(queue.status).toBe(200);
    expect(queue.body).toMatchObject({ id: body.default_queue_id, name: 'default', priority: 1 });
  });

  it('is 409 naming `name` when the pool exists', async () => {
    const name = await createPool();
    const { status, body } = await api<ErrorBody>('POST', '/work_pools', { name, type: 'process' });
    expect(status).toBe(409);
    expect(body).toMatchObject({ code: 'work_pool.exists', field: 'name' });
  });

  it('is 422 naming the field for a bad type or name', async () => {
    const type = await api<ErrorBody>('POST', '/work_pools', { name: 'x', type: 'kubernetes' });
    expect(type.status).toBe(422);
    expect(type.body.field).toBe('type');
    const name = await api<ErrorBody>('POST', '/work_pools', { name: 'a/b' });
    expect(name.status).toBe(422);
    expect(name.body.field).toBe('name');
  });

  it('reads, patches and shows PAUSED status', async () => {
    const name = await createPool();
    expect((await api('PATCH', `/work_pools/${name}`, { paused: true, concurrency_limit: 2 })).status).toBe(
      204,
    );
    const { body } = await api<WorkPool>('GET', `/work_pools/${name}`);
    expect(body).toMatchObject({ paused: true, status: 'PAUSED', concurrency_limit: 2 });
  });

  it('rejects unknown fields in a patch with 422', async () => {
    const name = await createPool();
    const { status } = await api('PATCH', `/work_pools/${name}`, { type: 'process' });
    expect(status).toBe(422);
  });

  it('deletes a pool with its queues; then 404', async () => {
    const name = await createPool();
    expect((await api('DELETE', `/work_pools/${name}`)).status).toBe(204);
    const missing = await api<ErrorBody>('GET', `/work_pools/${name}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('work_pool.not_found');
    expect((await api('GET', `/work_pools/${name}/queues/default`)).status).toBe(404);
    expect((await api('DELETE', `/work_pools/${name}`)).status).toBe(404);
    expect((await api('POST', `/work_pools/${name}/claim`, { name: 'agent' })).status).toBe(404);
  });

  it('filters by name', async () => {
    const a = await createPool();
    await createPool();
    const { body } = await api<WorkPool[]>('POST', '/work_pools/filter', {
      work_pools: { name: { any_: [a] } },
    });
    expect(body.map((pool) => pool.name)).toEqual([a]);
  });

  it("counts the pools a filter matches (Prefect's POST /work_pools/count), limit aside", async () => {
    const [a, b] = [await createPool(), await createPool()];
    const count = (body: unknown) => api<number>('POST', '/work_pools/count', body);
    expect(await count({ work_pools: { name: { any_: [a, b, 'no-such-pool'] } }, limit: 1 })).toEqual({
      status: 200,
      body: 2,
    });
    const all = await count({});
    expect(all.body).toBeGreaterThanOrEqual(2);
    const bad = await api<{ detail: string }>('POST', '/work_pools/count', { work_pools: { nme: {} } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('work_pools');
  });
});

describe('work queues', () => {
  it('creates a queue after the existing ones when no priority is given', async () => {
    const pool = await createPool();
    const { status, body } = await api<WorkQueue>('POST', `/work_pools/${pool}/queues`, { name: 'gpu' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'gpu', priority: 2, work_pool_name: pool, paused: false });
  });

  it('lists queues by priority', async () => {
    const pool = await createPool();
    await createQueue(pool, { name: 'urgent', priority: 1 });
    await api('PATCH', `/work_pools/${pool}/queues/default`, { priority: 3 });
    const { body } = await api<WorkQueue[]>('POST', `/work_pools/${pool}/queues/filter`, {});
    expect(body.map((queue) => queue.name)).toEqual(['urgent', 'default']);
  });

  it('is 409 for a duplicate queue and 404 for an unknown pool', async () => {
    const pool = await createPool();
    const dup = await api<ErrorBody>('POST', `/work_pools/${pool}/queues`, { name: 'default' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'work_queue.exists', field: 'name' });
    const noPool = await api<ErrorBody>('POST', '/work_pools/nope-pool/queues', { name: 'q' });
    expect(noPool.status).toBe(404);
    expect(noPool.body.code).toBe('work_pool.not_found');
  });

  it('changes nothing of its pool when the queue is missing (404) or already there (409)', async () => {
    const pool = await createPool();
    const before = (await api<WorkPool>('GET', `/work_pools/${pool}`)).body;
    expect((await api('PATCH', `/work_pools/${pool}/queues/no-such-queue`, { priority: 5 })).status).toBe(
      404,
    );
    expect((await api('DELETE', `/work_pools/${pool}/queues/no-such-queue`)).status).toBe(404);
    expect((await api('POST', `/work_pools/${pool}/queues`, { name: 'default' })).status).toBe(409);
    expect((await api<WorkPool>('GET', `/work_pools/${pool}`)).body.updated).toBe(before.updated);
  });

  it('patches and deletes a queue, but never the default one', async () => {
    const pool = await createPool();
    await createQueue(pool, { name: 'batch' });
    expect((await api('PATCH', `/work_pools/${pool}/queues/batch`, { concurrency_limit: 3 })).status).toBe(
      204,
    );
    expect((await api<WorkQueue>('GET', `/work_pools/${pool}/queues/batch`)).body.concurrency_limit).toBe(3);
    expect((await api('DELETE', `/work_pools/${pool}/queues/batch`)).status).toBe(204);
    expect((await api('GET', `/work_pools/${pool}/queues/batch`)).status).toBe(404);
    const protectedQueue = await api<ErrorBody>('DELETE', `/work_pools/${pool}/queues/default`);
    expect(protectedQueue.status).toBe(409);
    expect(protectedQueue.body).toMatchObject({ code: 'work_queue.default', field: 'name' });
  });

  it('is 422 naming priority when it is not a positive integer', async () => {
    const pool = await createPool();
    const { status, body } = await api<ErrorBody>('POST', `/work_pools/${pool}/queues`, {
      name: 'q',
      priority: 0,
    });
    expect(status).toBe(422);
    expect(body.field).toBe('priority');
  });
});
