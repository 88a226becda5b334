// Prints the fault table once every scenario has run; a full-profile run of all of them also writes
// docs/reliability.md, where the project keeps its last full results.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reporter } from 'vitest/node';
import { ROOT } from '../e2e/harness.ts';
import { PROFILE } from './profile.ts';
import { knownFindingsOf, reliabilityDoc } from './reliability-doc.ts';
import { formatFindings, formatNotes, formatTable, readRows } from './table.ts';

const SCENARIOS = ['fuzz', 'auth', 'agent kills', 'server restarts', 'race', 'proxy'];

export default class TableReporter implements Reporter {
  private startedAt = Date.now();

  onTestRunStart(): void {
    this.startedAt = Date.now();
  }

  onTestRunEnd(): void {
    const rows = readRows();
    if (rows.length === 0) return;
    const minutes = (Date.now() - this.startedAt) / 60_000;
    const lines = [
      '',
      `Fault table (${PROFILE.name} profile, ${minutes.toFixed(1)} min, FAULTS_SEED=${process.env.FAULTS_SEED}):`,
      formatTable(rows),
      '',
    ];
    const findings = formatFindings(rows);
    if (findings) lines.push('Findings:', findings, '');
    const notes = formatNotes(rows);
    if (notes) lines.push('Notes:', notes, '');
    console.log(lines.join('\n'));

    const complete = SCENARIOS.every((scenario) => rows.some((row) => row.scenario === scenario));
    if (PROFILE.name === 'full' && complete) {
      const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
      const seed = Number(process.env.FAULTS_SEED);
      const path = join(ROOT, 'docs/reliability.md');
      const kept = knownFindingsOf(existsSync(path) ? readFileSync(path, 'utf8') : '');
      writeFileSync(path, reliabilityDoc(rows, { commit, minutes, seed }, kept));
      console.log('Wrote docs/reliability.md');
    }
  }
}
