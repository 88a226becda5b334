// Which due runs a claim takes: queue eligibility, order, and concurrency arithmetic.
import { describe, expect, it } from 'vitest';
import {
  type Candidate,
  capacity,
  eligibleQueues,
  orderCandidates,
  type PoolConfig,
  planClaims,
  releaseSlot,
} from '../../src/domain/dispatch';

const queue = (name: string, priority: number, extra: Partial<PoolConfig['queues'][number]> = {}) => ({
  id: `${name}-id`,
  name,
  priority,
  concurrency_limit: null,
  paused: false,
  ...extra,
});

const pool = (extra: Partial<PoolConfig> = {}): PoolConfig => ({
  id: 'pool-id',
  name: 'pool',
  version: 1,
  concurrency_limit: null,
  paused: false,
  queues: [queue('default', 1)],
  ...extra,
});

const run = (id: string, queueName: string, due_at: number): Candidate => ({ id, queue: queueName, due_at });

describe('eligibleQueues', () => {
  it('is empty for a paused pool', () => {
    expect(eligibleQueues(pool({ paused: true })).size).toBe(0);
  });

  it('leaves out paused queues', () => {
    const config = pool({ queues: [queue('default', 1), queue('off', 2, { paused: true })] });
    expect([...eligibleQueues(config).keys()]).toEqual(['default']);
  });

  it("narrows to the agent's queues when it names some", () => {
    const config = pool({ queues: [queue('default', 1), queue('gpu', 2)] });
    expect([...eligibleQueues(config, ['gpu']).keys()]).toEqual(['gpu']);
  });
});

describe('orderCandidates', () => {
  const queues = eligibleQueues(pool({ queues: [queue('default', 5), queue('urgent', 1)] }));

  it('puts the lower queue priority first, then the earlier due time', () => {
    const ordered = orderCandidates(
      [run('a', 'default', 1), run('b', 'urgent', 3), run('c', 'default', 0), run('d', 'urgent', 2)],
      queues,
      10,
    );
    expect(ordered.map((r) => r.id)).toEqual(['d', 'b', 'c', 'a']);
  });

  it('leaves out runs not yet due and runs of queues that are not eligible', () => {
    const ordered = orderCandidates(
      [run('late', 'default', 11), run('other', 'gone', 0), run('ok', 'default', 10)],
      queues,
      10,
    );
    expect(ordered.map((r) => r.id)).toEqual(['ok']);
  });
});

describe('capacity and planClaims', () => {
  it('has no bound without limits', () => {
    const free = capacity(pool(), new Map([['default', 40]]));
    expect(free.pool).toBe(Number.POSITIVE_INFINITY);
    expect(planClaims([run('a', 'default', 0), run('b', 'default', 0)], free, 5)).toHaveLength(2);
  });

  it('counts every active run against the pool limit', () => {
    const config = pool({ concurrency_limit: 3, queues: [queue('default', 1), queue('b', 2)] });
    const free = capacity(
      config,
      new Map([
        ['default', 1],
        ['b', 1],
      ]),
    );
    expect(free.pool).toBe(1);
    expect(planClaims([run('x', 'default', 0), run('y', 'b', 0)], free, 5).map((r) => r.id)).toEqual(['x']);
  });

  it('skips a full queue but keeps serving the others', () => {
    const config = pool({ queues: [queue('narrow', 1, { concurrency_limit: 1 }), queue('wide', 2)] });
    const free = capacity(config, new Map([['narrow', 1]]));
    const picked = planClaims([run('n', 'narrow', 0), run('w', 'wide', 0)], free, 5);
    expect(picked.map((r) => r.id)).toEqual(['w']);
  });

  it('never goes below zero when more runs are active than the limit allows', () => {
    expect(capacity(pool({ concurrency_limit: 1 }), new Map([['default', 3]])).pool).toBe(0);
  });

  it('stops at the claim limit and reserves the slots it picked', () => {
    const config = pool({ concurrency_limit: 5 });
    const free = capacity(config, new Map());
    expect(
      planClaims([run('a', 'default', 0), run('b', 'default', 0), run('c', 'default', 0)], free, 2),
    ).toHaveLength(2);
    expect(free.pool).toBe(3);
  });

  it('gives a slot back when the run object refuses the claim', () => {
    const free = capacity(pool({ concurrency_limit: 1 }), new Map());
    const [picked] = planClaims([run('a', 'default', 0)], free, 1);
    expect(free.pool).toBe(0);
    releaseSlot(free, picked!.queue);
    expect(planClaims([run('b', 'default', 0)], free, 1).map((r) => r.id)).toEqual(['b']);
  });
});
