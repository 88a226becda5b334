// Idempotent claims, decided at any instant: what a repeated claim hands back, and how long it is remembered.
import { describe, expect, it } from 'vitest';
import { type CurrentLease, claimRecordExpiry, replayableLeases } from '../../src/domain/dispatch';

const leased = [
  { run_id: 'a', lease_id: 'lease-a' },
  { run_id: 'b', lease_id: 'lease-b' },
  { run_id: 'c', lease_id: 'lease-c' },
  { run_id: 'd', lease_id: 'lease-d' },
];

describe('replayableLeases', () => {
  it('hands back only runs still PENDING under the lease the claim created', () => {
    const current = new Map<string, CurrentLease>([
      ['a', { lease_id: 'lease-a', state_type: 'PENDING' }],
      // Started by the agent after all: the response was not lost.
      ['b', { lease_id: 'lease-b', state_type: 'RUNNING' }],
      // Crashed and claimed again by someone else.
      ['c', { lease_id: 'other', state_type: 'PENDING' }],
      // 'd' is unknown to the pool (deleted).
    ]);
    expect(replayableLeases(leased, current)).toEqual([{ run_id: 'a', lease_id: 'lease-a' }]);
  });
});

describe('claimRecordExpiry', () => {
  it('is when the leases the claim created lapse without a heartbeat', () => {
    expect(claimRecordExpiry(1_000, 10)).toBe(31_000);
  });
});
