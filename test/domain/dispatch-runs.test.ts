// What a pool does with each run it hears about, and its clock-driven decisions.
import type { StateType } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import {
  dispatchStatus,
  LATE_AFTER_MS,
  lateAt,
  nextQueuePriority,
  nextWakeUp,
  poolStatus,
  queueStatus,
} from '../../src/domain/dispatch';

const facts = (state_type: StateType | null, retry_type: 'in_process' | 'reschedule' | null = null) => ({
  work_pool_name: 'pool',
  state_type,
  retry_type,
});

describe('dispatchStatus', () => {
  it('queues SCHEDULED runs, including rescheduled retries', () => {
    expect(dispatchStatus(facts('SCHEDULED'), 'pool')).toBe('queued');
    expect(dispatchStatus(facts('SCHEDULED', 'reschedule'), 'pool')).toBe('queued');
  });

  it('never queues an in-process retry: its own process retries it', () => {
    expect(dispatchStatus(facts('SCHEDULED', 'in_process'), 'pool')).toBe('held');
  });

  it('counts PENDING, RUNNING and CANCELLING as active', () => {
    for (const type of ['PENDING', 'RUNNING', 'CANCELLING'] as const)
      expect(dispatchStatus(facts(type), 'pool')).toBe('active');
  });

  it('keeps a PAUSED run leased without counting it', () => {
    expect(dispatchStatus(facts('PAUSED'), 'pool')).toBe('held');
  });

  it('forgets terminal runs and runs of another pool', () => {
    for (const type of ['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', null] as const)
      expect(dispatchStatus(facts(type), 'pool')).toBe('gone');
    expect(dispatchStatus(facts('SCHEDULED'), 'other')).toBe('gone');
  });
});

describe('lateAt', () => {
  it('is 15 s after the due time of a plainly Scheduled run', () => {
    expect(lateAt({ state_type: 'SCHEDULED', state_name: 'Scheduled', due_at: 1_000 })).toBe(
      1_000 + LATE_AFTER_MS,
    );
    expect(LATE_AFTER_MS).toBe(15_000);
  });

  it('never marks AwaitingRetry, an already Late run, or a run that is not SCHEDULED', () => {
    expect(lateAt({ state_type: 'SCHEDULED', state_name: 'AwaitingRetry', due_at: 0 })).toBeNull();
    expect(lateAt({ state_type: 'SCHEDULED', state_name: 'Late', due_at: 0 })).toBeNull();
    expect(lateAt({ state_type: 'PENDING', state_name: 'Scheduled', due_at: 0 })).toBeNull();
  });
});

describe('nextWakeUp', () => {
  it('is the earliest pending time', () => {
    expect(nextWakeUp([null, 30, 10, 20])).toBe(10);
  });

  it('is null when nothing is pending', () => {
    expect(nextWakeUp([null, null])).toBeNull();
  });
});

describe('pool and queue status', () => {
  it('PAUSED wins; READY while an agent is online; NOT_READY otherwise', () => {
    expect(poolStatus(true, 100, 0)).toBe('PAUSED');
    expect(poolStatus(false, 100, 99)).toBe('READY');
    expect(poolStatus(false, 100, 100)).toBe('NOT_READY');
    expect(poolStatus(false, null, 0)).toBe('NOT_READY');
  });

  it('a queue is READY when polled within the last 60 s', () => {
    expect(queueStatus(false, 0, 59_999)).toBe('READY');
    expect(queueStatus(false, 0, 60_000)).toBe('NOT_READY');
  });
});

describe('nextQueuePriority', () => {
  it('goes after the largest existing priority', () => {
    expect(nextQueuePriority([{ priority: 1 }, { priority: 7 }])).toBe(8);
    expect(nextQueuePriority([])).toBe(1);
  });
});
