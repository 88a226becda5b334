// The deployment concurrency rules alone: what each decides from the slot answers it is handed.
import { describe, expect, it } from 'vitest';
import {
  type DeploymentConcurrencyInputs,
  keepsAcquiredSlot,
  NO_CONCURRENCY_INPUTS,
  orchestrateFlowRun,
  type RunConcurrencyLimit,
  releasesSlots,
  withDeploymentConcurrency,
} from '../../src/domain/orchestration';
import { at, clock, flowRun, state } from './fixtures';

const limit = (fields: Partial<RunConcurrencyLimit> = {}): RunConcurrencyLimit => ({
  key: 'deployment:d',
  limit: 1,
  collision_strategy: 'ENQUEUE',
  lease_seconds: 300,
  ...fields,
});

function slots(
  kind: 'granted' | 'denied',
  fields: Partial<RunConcurrencyLimit> = {},
): DeploymentConcurrencyInputs {
  return {
    ...NO_CONCURRENCY_INPUTS,
    slots: { lease_id: 'lease-1', outcomes: [{ limit: limit(fields), kind }] },
  };
}

function propose(
  from: ReturnType<typeof state>,
  type: string,
  extra: DeploymentConcurrencyInputs,
  name?: string,
) {
  return orchestrateFlowRun(
    {
      run: flowRun({ state: from, deployment_id: 'd' }),
      proposed: { type, name } as never,
      force: false,
      clock: clock(),
    },
    { policy: withDeploymentConcurrency(name === 'Late' ? 'mark_late' : 'core'), extra },
  );
}

describe('SecureFlowConcurrencySlots', () => {
  it('accepts with a granted slot and names the lease on the state', () => {
    const outcome = propose(state('SCHEDULED'), 'PENDING', slots('granted'));
    expect(outcome.result.status).toBe('ACCEPT');
    expect(outcome.written?.state_details.deployment_concurrency_lease_id).toBe('lease-1');
  });

  it('ENQUEUE: rejects to AwaitingConcurrencySlot 30 s out', () => {
    const outcome = propose(state('SCHEDULED'), 'PENDING', slots('denied'));
    expect(outcome.result).toMatchObject({
      status: 'REJECT',
      state: { type: 'SCHEDULED', name: 'AwaitingConcurrencySlot' },
    });
    expect(outcome.written?.state_details.scheduled_time).toBe(at(30));
  });

  it('CANCEL_NEW: rejects to Cancelled', () => {
    const outcome = propose(
      state('SCHEDULED'),
      'PENDING',
      slots('denied', { collision_strategy: 'CANCEL_NEW' }),
    );
    expect(outcome.result).toMatchObject({ status: 'REJECT', state: { type: 'CANCELLED' } });
  });

  it('SKIP (max_active_runs): rejects to Cancelled saying the schedule is at its cap', () => {
    const outcome = propose(
      state('SCHEDULED'),
      'PENDING',
      slots('denied', { collision_strategy: 'SKIP', limit: 2 }),
    );
    expect(outcome.written?.message).toMatch(/max_active_runs \(2\)/);
  });

  it('a limit of 0 aborts', () => {
    expect(propose(state('SCHEDULED'), 'PENDING', slots('denied', { limit: 0 })).result.status).toBe('ABORT');
  });

  it('stands aside when nothing was asked', () => {
    expect(propose(state('SCHEDULED'), 'PENDING', NO_CONCURRENCY_INPUTS).result.status).toBe('ACCEPT');
  });
});

describe('ValidateDeploymentConcurrencyAtRunning', () => {
  it('cancels a run whose slot was lost while it was pending', () => {
    const outcome = propose(state('PENDING'), 'RUNNING', { ...NO_CONCURRENCY_INPUTS, held: false });
    expect(outcome.result).toMatchObject({ status: 'REJECT', state: { type: 'CANCELLED' } });
  });
});

describe('PreserveDeploymentConcurrencyLeaseId', () => {
  it('carries the lease into RUNNING', () => {
    const pending = state('PENDING', { state_details: { deployment_concurrency_lease_id: 'lease-1' } });
    const outcome = propose(pending, 'RUNNING', { ...NO_CONCURRENCY_INPUTS, held: true });
    expect(outcome.written?.state_details.deployment_concurrency_lease_id).toBe('lease-1');
  });
});

describe('EnforceDeploymentConcurrencyOnLate', () => {
  it('cancels instead of marking Late when a CANCEL_NEW limit is full', () => {
    const outcome = propose(
      state('SCHEDULED'),
      'SCHEDULED',
      { ...NO_CONCURRENCY_INPUTS, full_cancel_new: true },
      'Late',
    );
    expect(outcome.result).toMatchObject({ status: 'REJECT', state: { type: 'CANCELLED' } });
  });
});

describe('releasing slots', () => {
  it('releases on leaving PENDING/RUNNING/CANCELLING for anything else', () => {
    expect(releasesSlots('RUNNING', 'COMPLETED')).toBe(true);
    expect(releasesSlots('PENDING', 'SCHEDULED')).toBe(true);
    expect(releasesSlots('RUNNING', 'CANCELLING')).toBe(false);
    expect(releasesSlots('SCHEDULED', 'CANCELLED')).toBe(false);
  });

  it('keeps an acquired slot only when the run is PENDING under that lease', () => {
    const pending = state('PENDING', { state_details: { deployment_concurrency_lease_id: 'lease-1' } });
    expect(keepsAcquiredSlot('lease-1', pending)).toBe(true);
    expect(keepsAcquiredSlot('lease-2', pending)).toBe(false);
    expect(keepsAcquiredSlot('lease-1', state('CANCELLED'))).toBe(false);
  });
});
