// The flow rules about terminal states, results, cancellation and PENDING. Each test fails if its rule
// is taken out of the flow policy.
import { describe, expect, it } from 'vitest';
import { at, flowPolicyWith, flowRun, proposeFlow, state } from './fixtures';

describe('PreventDuplicateTransitions', () => {
  it('rejects a proposal that repeats the current state transition id', () => {
    const run = flowRun({
      state: state('RUNNING', { state_details: { transition_id: 't-1' } }),
      run_count: 1,
    });
    const outcome = proposeFlow(run, { type: 'COMPLETED', state_details: { transition_id: 't-1' } });
    expect(outcome.result.status).toBe('REJECT');
    expect(outcome.result.details).toEqual({
      type: 'reject_details',
      reason: 'This run has already made this state transition.',
    });
    expect(outcome.written).toBeNull();
  });
});

describe('HandleFlowTerminalStateTransitions', () => {
  it('aborts a terminal run marked crashed', () => {
    const outcome = proposeFlow(flowRun({ state: state('COMPLETED') }), { type: 'CRASHED' });
    expect(outcome.result.status).toBe('ABORT');
    expect(outcome.result.details).toEqual({
      type: 'abort_details',
      reason: 'Run is already in terminal state COMPLETED.',
    });
  });

  it('rejects leaving a completion with a persisted result', () => {
    const run = flowRun({ state: state('COMPLETED', { data: { storage_key: 'r2/key' } }) });
    const outcome = proposeFlow(run, { type: 'RUNNING' });
    expect(outcome.result.status).toBe('REJECT');
    expect(outcome.written).toBeNull();
    expect(outcome.result.state).toBe(run.state);
  });

  it('aborts rescheduling a run with neither deployment nor work pool', () => {
    const outcome = proposeFlow(flowRun({ state: state('FAILED') }), { type: 'SCHEDULED' });
    expect(outcome.result.status).toBe('ABORT');
  });

  it('reschedules a failed run of a work pool with retry_type reschedule', () => {
    const run = flowRun({ state: state('CRASHED'), work_pool_name: 'pool', run_count: 1 });
    const outcome = proposeFlow(run, { type: 'SCHEDULED', name: 'AwaitingRetry' });
    expect(outcome.result.status).toBe('ACCEPT');
    expect(outcome.run.empirical_policy.retry_type).toBe('reschedule');
  });

  it('clears pause keys when a run leaves a terminal state', () => {
    const run = flowRun({
      state: state('FAILED'),
      empirical_policy: flowPolicyWith({ pause_keys: ['approval'] }),
    });
    const outcome = proposeFlow(run, { type: 'RUNNING' });
    expect(outcome.result.status).toBe('ACCEPT');
    expect(outcome.run.empirical_policy.pause_keys).toEqual([]);
  });
});

describe('PreventResultDataLoss', () => {
  const run = flowRun({ state: state('COMPLETED', { data: { storage_key: 'r2/key' } }) });

  it('rejects a completion without a result over one with a persisted result', () => {
    const outcome = proposeFlow(run, { type: 'COMPLETED' });
    expect(outcome.result.status).toBe('REJECT');
    expect(outcome.written).toBeNull();
  });

  it('holds even when the transition is forced', () => {
    expect(proposeFlow(run, { type: 'COMPLETED' }, { force: true }).result.status).toBe('REJECT');
  });

  it('accepts a completion that carries a result', () => {
    expect(proposeFlow(run, { type: 'COMPLETED', data: { storage_key: 'r2/other' } }).result.status).toBe(
      'ACCEPT',
    );
  });
});

describe('EnforceCancellingToCancelledTransition', () => {
  const run = flowRun({ state: state('CANCELLING'), run_count: 1 });

  it('keeps a cancelling run from going anywhere but Cancelled', () => {
    const outcome = proposeFlow(run, { type: 'COMPLETED' });
    expect(outcome.result.status).toBe('REJECT');
    expect(outcome.result.state).toBe(run.state);
  });

  it('accepts Cancelled', () => {
    expect(proposeFlow(run, { type: 'CANCELLED' }).result.status).toBe('ACCEPT');
  });
});

describe('BypassCancellingFlowRunsWithNoInfra', () => {
  it('cancels a scheduled run with no infrastructure at once', () => {
    const outcome = proposeFlow(flowRun({ state: state('SCHEDULED') }), {
      type: 'CANCELLING',
      message: 'by user',
    });
    expect(outcome.result.status).toBe('REJECT');
    expect(outcome.written).toMatchObject({ type: 'CANCELLED', name: 'Cancelled', message: 'by user' });
  });

  it('lets a scheduled run with infrastructure go to CANCELLING', () => {
    const run = flowRun({ state: state('SCHEDULED', { name: 'AwaitingRetry' }), infrastructure_pid: '42' });
    expect(proposeFlow(run, { type: 'CANCELLING' }).written?.type).toBe('CANCELLING');
  });

  it('cancels a Resuming run at once even with infrastructure', () => {
    const run = flowRun({ state: state('SCHEDULED', { name: 'Resuming' }), infrastructure_pid: '42' });
    expect(proposeFlow(run, { type: 'CANCELLING' }).written?.type).toBe('CANCELLED');
  });

  it('cancels a suspended run at once', () => {
    const run = flowRun({
      state: state('PAUSED', { name: 'Suspended', state_details: { pause_reschedule: true } }),
    });
    expect(proposeFlow(run, { type: 'CANCELLING' }).written?.type).toBe('CANCELLED');
  });

  it('applies when forced too', () => {
    const outcome = proposeFlow(
      flowRun({ state: state('SCHEDULED') }),
      { type: 'CANCELLING' },
      { force: true },
    );
    expect(outcome.written?.type).toBe('CANCELLED');
  });
});

describe('PreventPendingTransitions', () => {
  it('aborts a second claim of a pending run', () => {
    const outcome = proposeFlow(flowRun({ state: state('PENDING') }), { type: 'PENDING', name: 'Pending' });
    expect(outcome.result.status).toBe('ABORT');
    expect(outcome.result.details).toEqual({
      type: 'abort_details',
      reason: 'This run is in a PENDING state and cannot transition to a PENDING state.',
    });
  });

  it('aborts a running run going back to PENDING', () => {
    expect(proposeFlow(flowRun({ state: state('RUNNING') }), { type: 'PENDING' }).result.status).toBe(
      'ABORT',
    );
  });

  it('accepts a pending sub-state and carries the scheduled time', () => {
    const run = flowRun({ state: state('PENDING', { state_details: { scheduled_time: at(-5) } }) });
    const outcome = proposeFlow(run, { type: 'PENDING', name: 'Submitting' });
    expect(outcome.result.status).toBe('ACCEPT');
    expect(outcome.written?.state_details.scheduled_time).toBe(at(-5));
  });
});

describe('EnsureOnlyScheduledFlowsMarkedLate', () => {
  it('rejects marking a running run late', () => {
    const outcome = proposeFlow(flowRun({ state: state('RUNNING') }), { type: 'SCHEDULED', name: 'Late' });
    expect(outcome.result.details).toEqual({
      type: 'reject_details',
      reason: 'Only scheduled flows can be marked late.',
    });
  });

  it('rejects marking a late run late again', () => {
    const run = flowRun({ state: state('SCHEDULED', { name: 'Late' }) });
    expect(proposeFlow(run, { type: 'SCHEDULED', name: 'Late' }).result.status).toBe('REJECT');
  });

  it('marks a scheduled run late under the mark_late policy', () => {
    const run = flowRun({ state: state('SCHEDULED', { state_details: { scheduled_time: at(-30) } }) });
    const outcome = proposeFlow(
      run,
      { type: 'SCHEDULED', name: 'Late', state_details: { scheduled_time: at(-30) } },
      { policy: 'mark_late' },
    );
    expect(outcome.result.status).toBe('ACCEPT');
    expect(outcome.written?.name).toBe('Late');
  });

  it('guards the mark_late policy too', () => {
    const outcome = proposeFlow(
      flowRun({ state: state('RUNNING') }),
      { type: 'SCHEDULED', name: 'Late' },
      { policy: 'mark_late' },
    );
    expect(outcome.result.status).toBe('REJECT');
  });
});
