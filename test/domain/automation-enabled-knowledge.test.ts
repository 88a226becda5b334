// What the automations evaluator may assume between passes: "none enabled" is trusted only from a read
// no automation write overlapped, until the next write it is told of, and for at most a minute.
import { describe, expect, it } from 'vitest';
import {
  automationsWritten,
  enabledRead,
  NONE_ENABLED_TRUSTED_MS,
  noneEnabledKnown,
  UNKNOWN_ENABLED,
} from '../../src/domain/automations';

const T = 1_000_000;

describe('what the evaluator knows of the enabled automations', () => {
  it('knows nothing at first: the first nudge reads D1', () => {
    expect(noneEnabledKnown(UNKNOWN_ENABLED, T)).toBe(false);
  });

  it('trusts a read that found none, until an automation write is told of', () => {
    const none = enabledRead(UNKNOWN_ENABLED, { writesAtRead: 0, enabled: 0, now: T });
    expect(noneEnabledKnown(none, T + 10_000)).toBe(true);
    expect(noneEnabledKnown(automationsWritten(none), T + 10_000)).toBe(false);
  });

  it('does not trust a read that an automation write overlapped: it may have missed the write', () => {
    const writesAtRead = UNKNOWN_ENABLED.writes;
    const meanwhile = automationsWritten(UNKNOWN_ENABLED);
    const read = enabledRead(meanwhile, { writesAtRead, enabled: 0, now: T });
    expect(noneEnabledKnown(read, T)).toBe(false);
  });

  it('forgets when some are enabled', () => {
    const none = enabledRead(UNKNOWN_ENABLED, { writesAtRead: 0, enabled: 0, now: T });
    const some = enabledRead(none, { writesAtRead: 0, enabled: 2, now: T + 1 });
    expect(noneEnabledKnown(some, T + 2)).toBe(false);
  });

  it('reads D1 again after a minute, so a lost write notice delays an automation, never loses it', () => {
    const none = enabledRead(UNKNOWN_ENABLED, { writesAtRead: 0, enabled: 0, now: T });
    expect(noneEnabledKnown(none, T + NONE_ENABLED_TRUSTED_MS - 1)).toBe(true);
    expect(noneEnabledKnown(none, T + NONE_ENABLED_TRUSTED_MS)).toBe(false);
    // A clock moved back (tests move it) is not "within the minute" either.
    expect(noneEnabledKnown(none, T - 1)).toBe(false);
  });
});
