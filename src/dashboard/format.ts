// How the dashboard writes times, durations and numbers: absolute UTC times (a live region that
// re-renders must not change because the clock moved), compact durations, grouped counts.

/** `2026-01-02 03:04:05` in UTC, or an em dash. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** `850 ms`, `12.3 s`, `4m 05s`, `2h 03m`, `3d 04h`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${pad(whole % 60)}s`;
  if (whole < 86_400) return `${Math.floor(whole / 3600)}h ${pad(Math.floor((whole % 3600) / 60))}m`;
  return `${Math.floor(whole / 86_400)}d ${pad(Math.floor((whole % 86_400) / 3600))}h`;
}

/** Seconds between two ISO times, or null when either is missing. */
export function secondsBetween(
  from: string | null | undefined,
  to: string | null | undefined,
): number | null {
  if (!from || !to) return null;
  return (new Date(to).getTime() - new Date(from).getTime()) / 1000;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** JSON for a `<pre>`: indented, and cut at `limit` characters so a huge value can't bloat a page. */
export function formatJson(value: unknown, limit = 20_000): string {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  return text.length > limit
    ? `${text.slice(0, limit)}\n… (${formatCount(text.length - limit)} more characters)`
    : text;
}

/** A schedule as a sentence: `cron 0 * * * * (Europe/Paris)`, `every 1h 00m`, `rrule FREQ=DAILY`. */
export function describeSchedule(schedule: Record<string, unknown>): string {
  const zone = typeof schedule.timezone === 'string' ? ` (${schedule.timezone})` : '';
  if (typeof schedule.cron === 'string') return `cron ${schedule.cron}${zone}`;
  if (typeof schedule.interval === 'number') return `every ${formatDuration(schedule.interval)}${zone}`;
  if (typeof schedule.rrule === 'string')
    return `rrule ${schedule.rrule.replace(/^DTSTART[^\n]*\n/, '')}${zone}`;
  return JSON.stringify(schedule);
}
