// What a run with concurrency limits asks them before a proposal, and whether it still holds a slot.
import { describe, expect, it } from 'vitest';
import { holdsSlots, slotQuestion } from '../../src/domain/orchestration';

describe('the question a proposal asks its limits', () => {
  it('takes slots for a run heading for PENDING that holds none', () => {
    expect(slotQuestion({ state_type: 'SCHEDULED', lease: null }, 'PENDING', 'core')).toEqual({
      kind: 'acquire',
    });
    expect(slotQuestion({ state_type: null, lease: null }, 'PENDING', 'core')).toEqual({ kind: 'acquire' });
  });

  it('takes none for a run that already holds them, or was cancelled', () => {
    for (const from of ['PENDING', 'RUNNING', 'CANCELLING', 'CANCELLED'] as const) {
      expect(slotQuestion({ state_type: from, lease: 'l' }, 'PENDING', 'core')).toEqual({ kind: 'none' });
    }
  });

  it('checks the slots of its lease on PENDING → RUNNING', () => {
    expect(slotQuestion({ state_type: 'PENDING', lease: 'l-1' }, 'RUNNING', 'core')).toEqual({
      kind: 'verify',
      lease: 'l-1',
    });
    expect(slotQuestion({ state_type: 'PENDING', lease: null }, 'RUNNING', 'core')).toEqual({ kind: 'none' });
  });

  it('asks whether CANCEL_NEW limits are full when marking Late, and nothing under force', () => {
    expect(slotQuestion({ state_type: 'SCHEDULED', lease: null }, 'SCHEDULED', 'mark_late')).toEqual({
      kind: 'cancel_new_full',
    });
    expect(slotQuestion({ state_type: 'SCHEDULED', lease: null }, 'PENDING', 'minimal')).toEqual({
      kind: 'none',
    });
  });
});

describe('holding a slot', () => {
  it('is a slot-holding state under the same lease', () => {
    expect(holdsSlots({ state_type: 'RUNNING', lease: 'l-1' }, 'l-1')).toBe(true);
    expect(holdsSlots({ state_type: 'RUNNING', lease: 'l-2' }, 'l-1')).toBe(false);
    expect(holdsSlots({ state_type: 'COMPLETED', lease: 'l-1' }, 'l-1')).toBe(false);
  });
});
