// Three kinds of tests: the Worker's, inside workerd with real D1/DO/R2; the pure domain's, in Node
// (no bindings to need, and about twice as fast there as in workerd); and Node ones (agent, end-to-end).
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

const migrations = await readD1Migrations('migrations');

/**
 * Worker tests that need a D1 and objects of their own: cron ticks act on every deployment in D1, and
 * the automation loop tests count every run and firing of the one evaluator, whose clock the other
 * automation tests move, and the resume test needs a time when no automation is enabled.
 */
const ISOLATED_TESTS = [
  'test/worker/schedul*.test.ts',
  'test/worker/automation-loops.test.ts',
  'test/worker/automation-resume.test.ts',
];

function workerProject(test: { name: string; include: string[]; exclude?: string[]; isolate: boolean }) {
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          // As deployed: a secret key of its own, no EDGEFLOW_LOCAL_DEV (docs/blocks.md).
          bindings: {
            TEST_MIGRATIONS: migrations,
            EDGEFLOW_API_KEY: 'test-admin-key',
            EDGEFLOW_SECRET_KEY: 'test-secret-key',
          },
        },
      }),
    ],
    test: { ...test, setupFiles: ['test/worker/setup.ts'] },
  };
}

export default defineConfig({
  test: {
    // CI sums the JSON report into its closing `N passed, N failed` line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]]
      : ['default'],
    projects: [
      workerProject({
        name: 'worker',
        include: ['test/worker/**/*.test.ts'],
        exclude: ISOLATED_TESTS,
        // One workerd for all these files: a fresh one per file costs ~4x the suite's time in start-up
        // and module transforms. These tests share D1, so each makes its own flows, runs and names.
        isolate: false,
      }),
      // A fresh workerd (D1, objects) per file for these.
      workerProject({ name: 'worker-isolated', include: ISOLATED_TESTS, isolate: true }),
      // One Node context for all these files: the domain is pure, so nothing leaks between them.
      { test: { name: 'domain', include: ['test/domain/**/*.test.ts'], isolate: false, pool: 'threads' } },
      {
        test: {
          name: 'node',
          include: ['test/e2e/**/*.test.ts', 'worker-agent/test/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
