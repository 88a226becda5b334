// What a pool is told of a run, and which changes may wait for the next one that matters.
import type { FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { type DispatchView, dispatchView, poolMayHearLater } from '../../src/domain/dispatch';

const view = (fields: Partial<DispatchView> = {}): DispatchView => ({
  flow_run_id: 'run-1',
  version: 1,
  work_pool_name: 'pool',
  work_queue_name: 'default',
  deployment_id: null,
  state_type: 'PENDING',
  state_name: 'Pending',
  due_at: null,
  retry_type: null,
  lease_id: 'lease-1',
  ...fields,
});

describe('a run as its pool sees it', () => {
  it('is nothing for a run without a pool', () => {
    expect(dispatchView({ work_pool_name: null } as FlowRun, 1, null)).toBeNull();
  });

  it('is due at its next scheduled start while SCHEDULED, and in the default queue unless it names one', () => {
    const doc = {
      id: 'run-1',
      work_pool_name: 'pool',
      work_queue_name: null,
      deployment_id: null,
      state_type: 'SCHEDULED',
      state_name: 'Scheduled',
      next_scheduled_start_time: '2026-01-01T00:00:00.000Z',
      empirical_policy: { retry_type: null },
    } as unknown as FlowRun;
    expect(dispatchView(doc, 3, null)).toMatchObject({
      version: 3,
      work_queue_name: 'default',
      due_at: Date.parse('2026-01-01T00:00:00.000Z'),
    });
  });
});

describe('a change the pool may hear of later', () => {
  it('is PENDING → RUNNING under the same lease, pool and queue', () => {
    expect(poolMayHearLater(view(), view({ state_type: 'RUNNING', version: 2 }))).toBe(true);
  });

  it('is never a re-lease, a move to another queue, CANCELLING or an end', () => {
    const running = { state_type: 'RUNNING' as const, version: 2 };
    expect(poolMayHearLater(view(), view({ ...running, lease_id: 'lease-2' }))).toBe(false);
    expect(poolMayHearLater(view(), view({ ...running, work_queue_name: 'other' }))).toBe(false);
    expect(poolMayHearLater(view(), view({ state_type: 'CANCELLING', version: 2 }))).toBe(false);
    expect(poolMayHearLater(view(), view({ state_type: 'COMPLETED', version: 2 }))).toBe(false);
  });
});
