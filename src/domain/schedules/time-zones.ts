// Wall-clock arithmetic in IANA time zones through Intl (no tz database of our own): the offset of a
// zone at an instant, and the instant of a local time, resolving DST gaps and overlaps as Python does.

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `instant`, in ms (New York in winter: −5 h). */
export function zoneOffset(timeZone: string, instant: number): number {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(
    fields.year!,
    fields.month! - 1,
    fields.day!,
    fields.hour!,
    fields.minute!,
    fields.second!,
  );
  const wholeSeconds = instant - (((instant % 1000) + 1000) % 1000);
  return asUtc - wholeSeconds;
}

/**
 * Local ("wall") times are carried as epoch ms whose UTC fields read as the local clock: the
 * wall time of 09:00 in New York is Date.UTC(…, 9, 0).
 */
export function wallTime(timeZone: string, instant: number): number {
  return instant + zoneOffset(timeZone, instant);
}

/**
 * The instant a wall time denotes. A time that occurs twice (clocks go back) is its first
 * occurrence; a time that does not exist (clocks go forward) is read with the offset before the
 * change, which moves it forward by the gap (02:30 → 03:30), as Python's zoneinfo does with fold=0.
 */
export function instantOf(timeZone: string, wall: number): number {
  const before = zoneOffset(timeZone, wall - DAY_MS);
  const after = zoneOffset(timeZone, wall + DAY_MS);
  const valid = [wall - before, wall - after].filter((instant) => wallTime(timeZone, instant) === wall);
  return valid.length > 0 ? Math.min(...valid) : wall - before;
}

/**
 * `instantOf` for a run of wall times close together (an rrule's dates in one window): where the
 * offset is the same a day either side, every instant in between has it too (the assumption
 * `instantOf` makes), so the next wall times there cost no Intl call.
 */
export function instantsOf(timeZone: string): (wall: number) => number {
  let steady: { from: number; to: number; offset: number } | null = null;
  return (wall) => {
    if (steady && wall - steady.offset >= steady.from && wall - steady.offset <= steady.to) {
      return wall - steady.offset;
    }
    const offset = zoneOffset(timeZone, wall - DAY_MS);
    steady =
      offset === zoneOffset(timeZone, wall + DAY_MS)
        ? { from: wall - DAY_MS, to: wall + DAY_MS, offset }
        : null;
    return instantOf(timeZone, wall);
  };
}

/** The wall time `days` calendar days later, same clock time (`Date.UTC` normalises month ends). */
export function addWallDays(wall: number, days: number): number {
  const d = new Date(wall);
  return Date.UTC(
    d.getUTCFullYear(),
    d.getUTCMonth(),
    d.getUTCDate() + days,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}
