// Ids that sort by when they were made: UUID version 7 (RFC 9562). The D1 indexes they key (events by
// id and by resource, task runs and logs by id) then grow at one end instead of everywhere, which keeps
// an insert cheap as those tables grow (docs/performance.md, "Time-ordered ids"). They are UUIDs like
// any other to whoever reads them.

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** A UUIDv7: 48 bits of Unix milliseconds, the version and variant, and 74 random bits. */
export function timeOrderedId(now: number = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let ms = now;
  for (let index = 5; index >= 0; index--) {
    bytes[index] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  let id = '';
  for (let index = 0; index < 16; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) id += '-';
    id += HEX[bytes[index]!];
  }
  return id;
}
