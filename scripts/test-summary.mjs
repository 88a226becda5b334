// Totals the test runners' reports into the one line CI reads: `N passed, N failed`: vitest's JSON
// reports, and JUnit XML ones (`.xml`, pytest's) for the Prefect client suite.
// A missing or empty report counts as a failure, so a run that ran nothing cannot look green.
import { existsSync, readFileSync } from 'node:fs';

/** A JUnit report's totals, summed over its `<testsuite>` elements; skipped tests count in neither. */
function junitCounts(xml) {
  const counts = { passed: 0, failed: 0, total: 0 };
  for (const [suite] of xml.matchAll(/<testsuite\b[^>]*>/g)) {
    const number = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
    const bad = number('failures') + number('errors');
    counts.total += number('tests');
    counts.failed += bad;
    counts.passed += number('tests') - bad - number('skipped');
  }
  return counts;
}

const reports = process.argv.slice(2);
let passed = 0;
let failed = 0;
for (const path of reports) {
  if (!existsSync(path)) {
    console.error(`missing test report: ${path}`);
    failed++;
    continue;
  }
  if (path.endsWith('.xml')) {
    const counts = junitCounts(readFileSync(path, 'utf8'));
    passed += counts.passed;
    failed += counts.failed;
    if (counts.total === 0) {
      console.error(`no tests ran in ${path}`);
      failed++;
    }
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
