// The fuzz and fault suite (`npm run test:faults`): the real local server, real agents, faults injected.
// Kept out of `npm test`; FAULTS_PROFILE=short is the CI profile, the default is the full one.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'faults',
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/faults/global-setup.ts'],
    // One scenario at a time: each starts its own server, and the fuzz reads server stalls off /api/health.
    fileParallelism: false,
    // The short profile is CI's: a scenario stuck for 15 minutes fails there rather than using up CI's time.
    testTimeout: process.env.FAULTS_PROFILE === 'short' ? 900_000 : 3_600_000,
    hookTimeout: process.env.FAULTS_PROFILE === 'short' ? 900_000 : 3_600_000,
    reporters: [
      'default',
      './test/faults/table-reporter.ts',
      ['json', { outputFile: 'test-results/faults.json' }],
    ],
  },
});
