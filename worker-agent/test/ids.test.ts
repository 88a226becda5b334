// Time-ordered ids (protocol/ids.ts): UUIDs of version 7 that sort by the millisecond they were made in,
// accepted wherever the wire takes a UUID.
import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../src/protocol/ids.ts';
import { UuidSchema } from '../src/protocol/index.ts';

describe('timeOrderedId', () => {
  it('is a version 7 UUID that the wire schemas accept', () => {
    const id = timeOrderedId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(UuidSchema.safeParse(id).success).toBe(true);
  });

  it('sorts by the millisecond it was made in, which its first 48 bits hold', () => {
    const at = Date.parse('2026-12-07T15:00:00.000Z');
    const ids = [at + 1, at, at + 86_400_000, at + 2].map((ms) => timeOrderedId(ms));
    expect([...ids].sort()).toEqual([ids[1], ids[0], ids[3], ids[2]]);
    expect(Number.parseInt(ids[1]!.replaceAll('-', '').slice(0, 12), 16)).toBe(at);
  });

  it('differs between ids made in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => timeOrderedId(0)));
    expect(ids.size).toBe(10_000);
  });
});
