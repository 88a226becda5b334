// Each test fails if its rule is taken out of the task policy.
import type { State, StateCreate } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import {
  orchestrateTaskRun,
  type ParentFlowRunView,
  type TaskRunSnapshot,
} from '../../src/domain/orchestration';
import { at, clock, NOW, parentFlow, state, taskRun } from './fixtures';

function propose(
  run: TaskRunSnapshot,
  proposed: StateCreate,
  options: { flowRun?: Partial<ParentFlowRunView>; cached?: State; force?: boolean; random?: number } = {},
) {
  return orchestrateTaskRun({
    run,
    proposed,
    flowRun: parentFlow(options.flowRun),
    cached: options.cached ?? null,
    force: options.force ?? false,
    clock: clock({ random: options.random }),
  });
}

const policy = (fields: Partial<TaskRunSnapshot['empirical_policy']>) => ({
  ...taskRun().empirical_policy,
  ...fields,
});

describe('CacheRetrieval', () => {
  const cached = state('COMPLETED', {
    id: 'cached-state',
    data: { value: 42 },
    state_details: { cache_key: 'k', task_run_id: 'other-task', flow_run_id: 'other-flow' },
  });

  it('answers a RUNNING proposal with a copy of the cached completion named Cached', () => {
    const outcome = propose(
      taskRun({ state: state('PENDING') }),
      { type: 'RUNNING', state_details: { cache_key: 'k' } },
      { cached },
    );
    expect(outcome.result.status).toBe('REJECT');
    expect(outcome.written).toMatchObject({
      id: 'state-1',
      type: 'COMPLETED',
      name: 'Cached',
      data: { value: 42 },
      timestamp: NOW.toISOString(),
      state_details: { cache_key: 'k', task_run_id: 'task-run-1', flow_run_id: 'flow-run-1' },
    });
    expect(outcome.cacheInsert).toBeNull();
  });

  it('runs the task when the proposal asks to refresh the cache', () => {
    const outcome = propose(
      taskRun({ state: state('PENDING') }),
      { type: 'RUNNING', state_details: { cache_key: 'k', refresh_cache: true } },
      { cached },
    );
    expect(outcome.written?.type).toBe('RUNNING');
  });
});

describe('HandleTaskTerminalStateTransitions', () => {
  it('aborts a terminal task marked crashed', () => {
    expect(propose(taskRun({ state: state('FAILED') }), { type: 'CRASHED' }).result.status).toBe('ABORT');
  });

  it('rejects leaving a completion with a persisted result', () => {
    const run = taskRun({ state: state('COMPLETED', { data: { value: 1 } }) });
    const outcome = propose(run, { type: 'RUNNING' });
    expect(outcome.result.details).toEqual({
      type: 'reject_details',
      reason: 'This run is already completed.',
    });
    expect(outcome.written).toBeNull();
  });

  it('grants fresh retries to a rerun of a finished task', () => {
    const run = taskRun({ state: state('FAILED'), run_count: 4 });
    expect(propose(run, { type: 'RUNNING' }).run.run_count).toBe(1);
  });

  it('names the rerun Retrying when its flow run is retrying', () => {
    const run = taskRun({ state: state('FAILED'), run_count: 1, flow_run_run_count: 1 });
    expect(propose(run, { type: 'RUNNING' }, { flowRun: { run_count: 2 } }).written?.name).toBe('Retrying');
  });
});

describe('PreventRunningTasksFromStoppedFlows', () => {
  it('aborts a task of a flow run that is not running', () => {
    const outcome = propose(
      taskRun({ state: state('PENDING') }),
      { type: 'RUNNING' },
      { flowRun: { state_type: 'CANCELLING' } },
    );
    expect(outcome.result.details).toEqual({
      type: 'abort_details',
      reason: 'The enclosing flow must be running to begin task execution.',
    });
  });

  it('aborts a task of a flow run with no state', () => {
    const outcome = propose(
      taskRun({ state: state('PENDING') }),
      { type: 'RUNNING' },
      { flowRun: { state_type: null } },
    );
    expect(outcome.result.status).toBe('ABORT');
  });

  it('parks a task of a paused flow run as NotReady', () => {
    const outcome = propose(
      taskRun({ state: state('PENDING') }),
      { type: 'RUNNING' },
      {
        flowRun: {
          state_type: 'PAUSED',
          state_details_pause_timeout: at(600),
          state_details_pause_reschedule: false,
        },
      },
    );
    expect(outcome.result.status).toBe('REJECT');
    expect(outcome.written).toMatchObject({
      type: 'PAUSED',
      name: 'NotReady',
      state_details: { pause_timeout: at(600), pause_reschedule: false },
    });
  });
});

describe('CopyScheduledTime (task)', () => {
  it('keeps the scheduled time when a scheduled task goes PENDING', () => {
    const run = taskRun({ state: state('SCHEDULED', { state_details: { scheduled_time: at(-10) } }) });
    expect(propose(run, { type: 'PENDING' }).written?.state_details.scheduled_time).toBe(at(-10));
  });
});

describe('WaitForScheduledTime (task)', () => {
  it('asks a task to wait for its retry time', () => {
    const run = taskRun({
      state: state('SCHEDULED', { name: 'AwaitingRetry', state_details: { scheduled_time: at(5) } }),
      run_count: 1,
    });
    expect(propose(run, { type: 'RUNNING' }).result.details).toEqual({
      type: 'wait_details',
      delay_seconds: 5,
      reason: 'Scheduled time is in the future',
    });
  });
});

describe('RetryFailedTasks', () => {
  const running = (fields: Partial<TaskRunSnapshot>) =>
    taskRun({ state: state('RUNNING'), run_count: 1, ...fields });

  it('schedules a retry after the delay for this attempt', () => {
    const run = running({ empirical_policy: policy({ retries: 3, retry_delay: [5, 50] }) });
    const outcome = propose(run, { type: 'FAILED', message: 'boom' });
    expect(outcome.result.status).toBe('REJECT');
    expect(outcome.written).toMatchObject({
      type: 'SCHEDULED',
      name: 'AwaitingRetry',
      message: 'boom',
      state_details: { scheduled_time: at(5) },
    });
  });

  it('repeats the last delay of the list', () => {
    const run = running({ run_count: 3, empirical_policy: policy({ retries: 3, retry_delay: [5, 50] }) });
    expect(propose(run, { type: 'FAILED' }).written?.state_details.scheduled_time).toBe(at(50));
  });

  it('jitters the delay within its clamps', () => {
    const run = running({
      empirical_policy: policy({ retries: 1, retry_delay: 100, retry_jitter_factor: 0.2 }),
    });
    const high = propose(run, { type: 'FAILED' }, { random: 0.999_999 }).written?.state_details
      .scheduled_time;
    const seconds = (Date.parse(high ?? '') - NOW.getTime()) / 1000;
    expect(seconds).toBeGreaterThan(100);
    expect(seconds).toBeLessThanOrEqual(120);
  });

  it('accepts the failure when the SDK says it is not retriable', () => {
    const run = running({ empirical_policy: policy({ retries: 3 }) });
    expect(propose(run, { type: 'FAILED', state_details: { retriable: false } }).written?.type).toBe(
      'FAILED',
    );
  });

  it('accepts the failure once retries are spent', () => {
    const run = running({ run_count: 2, empirical_policy: policy({ retries: 1 }) });
    expect(propose(run, { type: 'FAILED' }).result.status).toBe('ACCEPT');
  });
});

describe('RenameReruns', () => {
  it('names a run after AwaitingRetry Retrying', () => {
    const run = taskRun({
      state: state('SCHEDULED', { name: 'AwaitingRetry', timestamp: at(-1) }),
      run_count: 1,
    });
    expect(propose(run, { type: 'RUNNING' }).written?.name).toBe('Retrying');
  });

  it('names any other repeated run Rerunning', () => {
    const run = taskRun({ state: state('PENDING'), run_count: 1 });
    expect(propose(run, { type: 'RUNNING' }).written?.name).toBe('Rerunning');
  });

  it('leaves a first run named Running', () => {
    expect(propose(taskRun({ state: state('PENDING') }), { type: 'RUNNING' }).written?.name).toBe('Running');
  });
});

describe('UpdateFlowRunTrackerOnTasks', () => {
  it("records the flow run's run count on a starting task", () => {
    const outcome = propose(
      taskRun({ state: state('PENDING') }),
      { type: 'RUNNING' },
      { flowRun: { run_count: 3 } },
    );
    expect(outcome.run.flow_run_run_count).toBe(3);
  });
});

describe('CacheInsertion', () => {
  const running = taskRun({ state: state('RUNNING'), run_count: 1, cache_expiration: at(3600) });

  it('asks for a cache record of the written completion', () => {
    const outcome = propose(running, {
      type: 'COMPLETED',
      data: { value: 1 },
      state_details: { cache_key: 'k' },
    });
    expect(outcome.cacheInsert).toEqual({
      cache_key: 'k',
      cache_expiration: at(3600),
      state: outcome.written,
    });
  });

  it("prefers the state's own cache expiration", () => {
    const outcome = propose(running, {
      type: 'COMPLETED',
      state_details: { cache_key: 'k', cache_expiration: at(60) },
    });
    expect(outcome.cacheInsert?.cache_expiration).toBe(at(60));
  });

  it('refuses to cache under a key over 2000 characters, but keeps the completion', () => {
    const outcome = propose(running, { type: 'COMPLETED', state_details: { cache_key: 'k'.repeat(2001) } });
    expect(outcome.result.status).toBe('REJECT');
    expect(outcome.written?.type).toBe('COMPLETED');
    expect(outcome.cacheInsert).toBeNull();
  });

  it('asks for no record without a cache key', () => {
    expect(propose(running, { type: 'COMPLETED' }).cacheInsert).toBeNull();
  });
});

describe('MinimalTaskPolicy (force=true)', () => {
  it('lets a forced proposal past the task rules', () => {
    const outcome = propose(
      taskRun({ state: state('PENDING') }),
      { type: 'RUNNING' },
      { force: true, flowRun: { state_type: 'PAUSED' } },
    );
    expect(outcome.result.status).toBe('ACCEPT');
    expect(outcome.run.run_count).toBe(1);
  });
});
