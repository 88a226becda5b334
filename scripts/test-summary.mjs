// Totals the test runners' JSON reports into the one line CI reads: `N passed, N failed`.
// A missing or empty report counts as a failure, so a run that ran nothing cannot look green.
import { existsSync, readFileSync } from 'node:fs';

const reports = process.argv.slice(2);
let passed = 0;
let failed = 0;
for (const path of reports) {
  if (!existsSync(path)) {
    console.error(`missing test report: ${path}`);
    failed++;
    continue;
  }
  const report = JSON.parse(readFileSync(path, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  // A file that failed to load has no test results of its own: count it, or it would vanish.
  failed += (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && file.assertionResults.length === 0,
  ).length;
  if ((report.numTotalTests ?? 0) === 0) {
    console.error(`no tests ran in ${path}`);
    failed++;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
