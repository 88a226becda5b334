// How the CLI prints runs, states, logs and tables.

import type { ApiError } from '../client/index.ts';
import type { FlowRun, Log, State } from '../protocol/index.ts';

const LEVELS: Record<number, string> = {
  10: 'DEBUG',
  20: 'INFO',
  30: 'WARNING',
  40: 'ERROR',
  50: 'CRITICAL',
};

export function levelName(level: number): string {
  return LEVELS[level] ?? `LEVEL${level}`;
}

/** `12:00:01.123`, local time: what a person following a run reads. */
export function clock(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

export function stateLabel(state: Pick<State, 'type' | 'name'> | null): string {
  if (!state) return '-';
  const typeName = state.type.charAt(0) + state.type.slice(1).toLowerCase();
  return state.name === typeName ? state.name : `${state.name} (${state.type})`;
}

export function stateLine(state: State): string {
  const message = state.message ? `: ${state.message}` : '';
  return `${clock(state.timestamp)}  state    ${stateLabel(state)}${message}`;
}

export function logLine(log: Log): string {
  return `${clock(log.timestamp)}  ${levelName(log.level).padEnd(8)} ${log.message}`;
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `YYYY-MM-DD HH:MM:SS`, local time. */
export function dateTime(iso: string | null): string {
  if (!iso) return '-';
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function runDuration(run: FlowRun): string {
  if (!run.start_time) return '-';
  const end = run.end_time ? Date.parse(run.end_time) : Date.now();
  return duration((end - Date.parse(run.start_time)) / 1000);
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** An API refusal as the user should read it: the server's detail, the field at fault, the code. */
export function describeApiError(error: ApiError): string {
  const field = error.field ? ` (field: ${error.field})` : '';
  return `${error.status} ${error.code}: ${error.detail}${field}`;
}
