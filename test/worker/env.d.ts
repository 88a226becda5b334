// Bindings that only the test runner adds, and the Worker module the runner's `exports` expose.
import type { D1Migration } from 'cloudflare:test';
import type { Env as WorkerEnv } from '../../src/env';

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../../src/index');
    }
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
