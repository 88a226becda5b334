// The flow rules about waiting and trying again: pauses, resumes, scheduled times, retries, and the
// minimal policy. Each test fails if its rule is taken out of the flow policy.
import { describe, expect, it } from 'vitest';
import { at, flowPolicyWith, flowRun, NOW, proposeFlow, state } from './fixtures';

describe('HandlePausingFlows', () => {
  const running = flowRun({ state: state('RUNNING'), run_count: 1 });

  it('aborts pausing a run with no state', () => {
    expect(proposeFlow(flowRun(), { type: 'PAUSED' }).result.status).toBe('ABORT');
  });

  it('rejects pausing a run that is not running', () => {
    const outcome = proposeFlow(flowRun({ state: state('PENDING') }), { type: 'PAUSED' });
    expect(outcome.result.status).toBe('REJECT');
    expect(outcome.written).toBeNull();
  });

  it('records the pause key', () => {
    const outcome = proposeFlow(running, { type: 'PAUSED', state_details: { pause_key: 'approval' } });
    expect(outcome.result.status).toBe('ACCEPT');
    expect(outcome.run.empirical_policy.pause_keys).toEqual(['approval']);
  });

  it('rejects a pause whose key already fired', () => {
    const run = { ...running, empirical_policy: flowPolicyWith({ pause_keys: ['approval'] }) };
    const outcome = proposeFlow(run, { type: 'PAUSED', state_details: { pause_key: 'approval' } });
    expect(outcome.result.details).toEqual({
      type: 'reject_details',
      reason: 'This pause has already fired.',
    });
  });

  it('aborts suspending a run that nothing would pick up again', () => {
    const outcome = proposeFlow(running, {
      type: 'PAUSED',
      name: 'Suspended',
      state_details: { pause_reschedule: true },
    });
    expect(outcome.result.status).toBe('ABORT');
  });

  it('aborts suspending a subflow', () => {
    const run = { ...running, deployment_id: 'd-1', parent_task_run_id: 'task-1' };
    const outcome = proposeFlow(run, {
      type: 'PAUSED',
      name: 'Suspended',
      state_details: { pause_reschedule: true },
    });
    expect(outcome.result.status).toBe('ABORT');
  });

  it('suspends a run of a work pool', () => {
    const run = { ...running, work_pool_name: 'pool' };
    const outcome = proposeFlow(run, {
      type: 'PAUSED',
      name: 'Suspended',
      state_details: { pause_reschedule: true },
    });
    expect(outcome.result.status).toBe('ACCEPT');
  });
});

describe('HandleResumingPausedFlows', () => {
  const paused = flowRun({
    state: state('PAUSED', { state_details: { pause_timeout: at(60) } }),
    run_count: 1,
  });

  it('rejects leaving a pause for PENDING', () => {
    expect(proposeFlow(paused, { type: 'PENDING' }).result.status).toBe('REJECT');
  });

  it('resumes without counting a new run', () => {
    const outcome = proposeFlow(paused, { type: 'RUNNING' });
    expect(outcome.result.status).toBe('ACCEPT');
    expect(outcome.run.run_count).toBe(1);
    expect(outcome.run.empirical_policy.resuming).toBe(false);
  });

  it('marks a suspended run as resuming when it is rescheduled', () => {
    const run = flowRun({
      state: state('PAUSED', { name: 'Suspended', state_details: { pause_reschedule: true } }),
      deployment_id: 'd-1',
      run_count: 1,
    });
    const outcome = proposeFlow(run, { type: 'SCHEDULED', name: 'Resuming' });
    expect(outcome.result.status).toBe('ACCEPT');
    expect(outcome.run.empirical_policy.resuming).toBe(true);
  });

  it('rejects rescheduling a suspended run that nothing would pick up', () => {
    const run = flowRun({ state: state('PAUSED', { state_details: { pause_reschedule: true } }) });
    expect(proposeFlow(run, { type: 'SCHEDULED' }).result.status).toBe('REJECT');
  });

  it('fails a run whose pause timed out', () => {
    const outcome = proposeFlow(paused, { type: 'RUNNING' }, { now: new Date(at(61)) });
    expect(outcome.result.status).toBe('REJECT');
    expect(outcome.written).toMatchObject({
      type: 'FAILED',
      name: 'Failed',
      message: 'The flow was paused and never resumed.',
    });
  });
});

describe('CopyScheduledTime', () => {
  it('keeps the scheduled time when a scheduled run is claimed', () => {
    const run = flowRun({ state: state('SCHEDULED', { state_details: { scheduled_time: at(-10) } }) });
    expect(proposeFlow(run, { type: 'PENDING' }).written?.state_details.scheduled_time).toBe(at(-10));
  });
});

describe('WaitForScheduledTime', () => {
  it('asks a run claimed early to wait, in whole seconds rounded up', () => {
    const run = flowRun({ state: state('PENDING', { state_details: { scheduled_time: at(30.2) } }) });
    const outcome = proposeFlow(run, { type: 'RUNNING' });
    expect(outcome.result).toEqual({
      status: 'WAIT',
      state: run.state,
      details: { type: 'wait_details', delay_seconds: 31, reason: 'Scheduled time is in the future' },
    });
    expect(outcome.written).toBeNull();
    expect(outcome.run).toBe(run);
  });

  it('lets a due run start', () => {
    const run = flowRun({ state: state('SCHEDULED', { state_details: { scheduled_time: at(-1) } }) });
    expect(proposeFlow(run, { type: 'RUNNING' }).result.status).toBe('ACCEPT');
  });
});

describe('RetryFailedFlows', () => {
  const running = flowRun({
    state: state('RUNNING'),
    run_count: 1,
    empirical_policy: flowPolicyWith({ retries: 2, retry_delay: 10, pause_keys: ['p'] }),
  });

  it('schedules an in-process retry after the retry delay', () => {
    const outcome = proposeFlow(running, { type: 'FAILED', message: 'boom', data: { error: 'x' } });
    expect(outcome.result.status).toBe('REJECT');
    expect(outcome.result.details).toEqual({ type: 'reject_details', reason: 'Retrying' });
    expect(outcome.written).toMatchObject({
      type: 'SCHEDULED',
      name: 'AwaitingRetry',
      message: 'boom',
      data: { error: 'x' },
      state_details: { scheduled_time: at(10) },
    });
    expect(outcome.run.empirical_policy).toMatchObject({ retry_type: 'in_process', pause_keys: [] });
    expect(outcome.run.next_scheduled_start_time).toBe(at(10));
  });

  it('accepts the failure once retries are spent and clears retry_type', () => {
    const run = {
      ...running,
      run_count: 3,
      empirical_policy: flowPolicyWith({ retries: 2, retry_type: 'in_process' }),
    };
    const outcome = proposeFlow(run, { type: 'FAILED' });
    expect(outcome.result.status).toBe('ACCEPT');
    expect(outcome.run.empirical_policy.retry_type).toBeNull();
  });
});

describe('MinimalFlowPolicy (force=true)', () => {
  it('lets a forced proposal past the core rules', () => {
    const run = flowRun({ state: state('CANCELLING') });
    expect(proposeFlow(run, { type: 'RUNNING' }, { force: true }).result.status).toBe('ACCEPT');
  });

  it('still runs the bookkeeping transforms', () => {
    const run = flowRun({ state: state('COMPLETED'), end_time: at(-60) });
    const outcome = proposeFlow(run, { type: 'RUNNING' }, { force: true });
    expect(outcome.run).toMatchObject({ run_count: 1, end_time: null, start_time: NOW.toISOString() });
  });
});
