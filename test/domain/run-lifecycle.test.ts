// Decisions the run object takes around the rules: crash retries, state timers, the default policy.
import { describe, expect, it } from 'vitest';
import { crashRetryProposal, defaultPolicy, hasFlowRetriesLeft } from '../../src/domain/orchestration';
import { CANCELLING_TIMEOUT_MS, expiryProposal, stateTimers } from '../../src/domain/runs/state-timers';
import { at, flowRun, NOW, state } from './fixtures';

const withRetries = (retries: number, run_count: number, retry_delay = 0) =>
  flowRun({ run_count, empirical_policy: { ...flowRun().empirical_policy, retries, retry_delay } });

describe('crash retries', () => {
  it('reschedules a crashed run with retries left as AwaitingRetry after its retry delay', () => {
    expect(crashRetryProposal(withRetries(2, 1, 30), 'agent gone', NOW)).toEqual({
      type: 'SCHEDULED',
      name: 'AwaitingRetry',
      message: 'agent gone',
      state_details: { scheduled_time: at(30) },
    });
  });

  it('retries the last allowed attempt and stops after it, as RetryFailedFlows does', () => {
    expect(hasFlowRetriesLeft(withRetries(2, 2))).toBe(true);
    expect(crashRetryProposal(withRetries(2, 2), 'gone', NOW)).not.toBeNull();
    expect(hasFlowRetriesLeft(withRetries(2, 3))).toBe(false);
    expect(crashRetryProposal(withRetries(2, 3), 'gone', NOW)).toBeNull();
  });

  it('never retries a run without retries, even one that crashed before it ever ran', () => {
    expect(crashRetryProposal(withRetries(0, 0), 'gone', NOW)).toBeNull();
    expect(crashRetryProposal(withRetries(0, 1), 'gone', NOW)).toBeNull();
  });
});

describe('state timers', () => {
  it('a pause with a timeout sets the pause timer at that time and clears the cancelling one', () => {
    const paused = state('PAUSED', { state_details: { pause_timeout: at(600) } });
    expect(stateTimers(paused, NOW)).toEqual({
      pause_timeout: Date.parse(at(600)),
      cancelling_timeout: null,
    });
  });

  it('a pause without a timeout waits forever', () => {
    expect(stateTimers(state('PAUSED'), NOW).pause_timeout).toBeNull();
  });

  it('CANCELLING is forced through after the cancelling timeout', () => {
    expect(stateTimers(state('CANCELLING'), NOW)).toEqual({
      pause_timeout: null,
      cancelling_timeout: NOW.getTime() + CANCELLING_TIMEOUT_MS,
    });
  });

  it('any other state clears both timers', () => {
    for (const type of ['RUNNING', 'COMPLETED', 'CANCELLED', 'SCHEDULED'] as const) {
      expect(stateTimers(state(type), NOW)).toEqual({ pause_timeout: null, cancelling_timeout: null });
    }
  });
});

describe('a due state timer', () => {
  it('fails a run still paused when its pause times out', () => {
    expect(expiryProposal('pause_timeout', 'PAUSED')).toMatchObject({ type: 'FAILED' });
  });

  it('forces a run still CANCELLING to CANCELLED', () => {
    expect(expiryProposal('cancelling_timeout', 'CANCELLING')).toMatchObject({ type: 'CANCELLED' });
  });

  it('proposes nothing once the run has moved on', () => {
    expect(expiryProposal('pause_timeout', 'RUNNING')).toBeNull();
    expect(expiryProposal('cancelling_timeout', 'CANCELLED')).toBeNull();
  });
});

describe('the default policy', () => {
  it('is minimal for a forced proposal and core otherwise', () => {
    expect(defaultPolicy(true)).toBe('minimal');
    expect(defaultPolicy(false)).toBe('core');
  });
});
