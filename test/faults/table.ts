// The fault table: each scenario records one row; the reporter prints them all at the end of the run.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../e2e/harness.ts';

/** Counts a scenario found; a count it does not measure stays undefined and prints as `-`. */
export interface ScenarioRow {
  scenario: string;
  requests?: number;
  status4xx?: number;
  status5xx?: number;
  /** A refused request (4xx or 5xx) that changed what the API shows. */
  partialWrites?: number;
  /** An accepted write the API cannot read back as it was sent (a name that does not round-trip). */
  roundTrip?: number;
  /** A request that kept the server from answering /api/health for over a second (confirmed by replay). */
  slow?: number;
  /** A secret in a response it does not belong to or in the server's output; a stack trace in a response. */
  leaks?: number;
  /** A route that declares no scope, or answers a credential or scope other than the rule says. */
  wrongAccess?: number;
  runsLost?: number;
  duplicateExecutions?: number;
  /** Task runs, logs or final states of completed runs missing or recorded twice. */
  badReports?: number;
  seconds: number;
  /** One line per finding, with what reproduces it. */
  findings: string[];
  /** What the scenario did and saw that is not a defect (coverage, unconfirmed slowness). */
  notes?: string[];
}

export const ROWS_DIR = join(ROOT, 'test-results/faults-rows');

const COLUMNS: [keyof ScenarioRow, string][] = [
  ['scenario', 'scenario'],
  ['requests', 'requests'],
  ['status4xx', '4xx'],
  ['status5xx', '5xx'],
  ['partialWrites', 'partial writes'],
  ['roundTrip', 'round-trip'],
  ['slow', 'busy > 1 s'],
  ['leaks', 'leaks'],
  ['wrongAccess', 'wrong access'],
  ['runsLost', 'runs lost'],
  ['duplicateExecutions', 'duplicate executions'],
  ['badReports', 'reports lost/dup'],
  ['seconds', 'seconds'],
];

export function clearRows(): void {
  rmSync(ROWS_DIR, { recursive: true, force: true });
  mkdirSync(ROWS_DIR, { recursive: true });
}

export function recordRow(row: ScenarioRow): void {
  mkdirSync(ROWS_DIR, { recursive: true });
  const slug = row.scenario.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  writeFileSync(join(ROWS_DIR, `${slug}.json`), `${JSON.stringify(row, null, 2)}\n`);
}

const ORDER = ['fuzz', 'auth', 'agent', 'server', 'race', 'proxy'];

export function readRows(): ScenarioRow[] {
  let files: string[] = [];
  try {
    files = readdirSync(ROWS_DIR).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const rank = (row: ScenarioRow) => {
    const index = ORDER.findIndex((prefix) => row.scenario.toLowerCase().startsWith(prefix));
    return index === -1 ? ORDER.length : index;
  };
  return files
    .map((name) => JSON.parse(readFileSync(join(ROWS_DIR, name), 'utf8')) as ScenarioRow)
    .sort((a, b) => rank(a) - rank(b) || a.scenario.localeCompare(b.scenario));
}

function cell(row: ScenarioRow, key: keyof ScenarioRow): string {
  const value = row[key];
  if (value === undefined) return '-';
  if (key === 'seconds') return String(Math.round(value as number));
  return String(value);
}

/** A Markdown table: readable in a terminal and pasted as is into docs/reliability.md. */
export function formatTable(rows: ScenarioRow[]): string {
  const lines = [
    `| ${COLUMNS.map(([, title]) => title).join(' | ')} |`,
    `|${COLUMNS.map(([key]) => (key === 'scenario' ? '---' : '--:')).join('|')}|`,
  ];
  for (const row of rows) lines.push(`| ${COLUMNS.map(([key]) => cell(row, key)).join(' | ')} |`);
  return lines.join('\n');
}

function listed(rows: ScenarioRow[], pick: (row: ScenarioRow) => string[], perScenario: number): string {
  const out: string[] = [];
  for (const row of rows) {
    const lines = pick(row);
    if (lines.length === 0) continue;
    out.push(`- ${row.scenario}:`);
    for (const line of lines.slice(0, perScenario)) out.push(`  - ${line}`);
    if (lines.length > perScenario) out.push(`  - … ${lines.length - perScenario} more`);
  }
  return out.join('\n');
}

export function formatFindings(rows: ScenarioRow[], perScenario = 40): string {
  return listed(rows, (row) => row.findings, perScenario);
}

export function formatNotes(rows: ScenarioRow[], perScenario = 12): string {
  return listed(rows, (row) => row.notes ?? [], perScenario);
}
