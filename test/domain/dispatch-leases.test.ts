// Leases and liveness at any instant: deadlines, crash messages, worker status, heartbeat answers.
import { describe, expect, it } from 'vitest';
import {
  crashMessage,
  DEFAULT_HEARTBEAT_INTERVAL_S,
  heartbeatOutcome,
  type LeasedRun,
  leaseDeadline,
  workerStatus,
} from '../../src/domain/dispatch';

describe('leaseDeadline', () => {
  it('is three heartbeat intervals from now', () => {
    expect(leaseDeadline(1_000, 10)).toBe(31_000);
  });

  it('defaults to a 10 s interval before the first heartbeat (30 s lease)', () => {
    expect(leaseDeadline(0, DEFAULT_HEARTBEAT_INTERVAL_S)).toBe(30_000);
  });
});

describe('crashMessage', () => {
  it('names the agent, the missed heartbeats and the time', () => {
    expect(crashMessage('host-123', 10)).toMatch(/^Agent host-123 missed 3 heartbeats \(30 s\)/);
  });
});

describe('workerStatus', () => {
  it('is ONLINE strictly within three intervals of the last heartbeat', () => {
    expect(workerStatus(0, 10, 29_999)).toBe('ONLINE');
    expect(workerStatus(0, 10, 30_000)).toBe('OFFLINE');
  });
});

describe('heartbeatOutcome', () => {
  const known = new Map<string, LeasedRun>([
    ['mine', { id: 'mine', agent: 'a', state_type: 'RUNNING' }],
    ['stopping', { id: 'stopping', agent: 'a', state_type: 'CANCELLING' }],
    ['theirs', { id: 'theirs', agent: 'b', state_type: 'RUNNING' }],
  ]);

  it("renews the agent's own runs and flags those being cancelled", () => {
    expect(heartbeatOutcome('a', ['mine', 'stopping'], known)).toEqual({
      renew: ['mine', 'stopping'],
      cancelling: ['stopping'],
      lost: [],
    });
  });

  it("reports another agent's run and an unknown run as lost", () => {
    expect(heartbeatOutcome('a', ['theirs', 'ghost'], known)).toEqual({
      renew: [],
      cancelling: [],
      lost: ['theirs', 'ghost'],
    });
  });

  it('counts a run listed twice once', () => {
    expect(heartbeatOutcome('a', ['mine', 'mine'], known).renew).toEqual(['mine']);
  });
});
