// The Worker: the HTTP API, the Cron Trigger, and the Durable Object classes it binds.
import { createApp } from './api/app';
import type { Env } from './env';

export { ConcurrencyLimitObject } from './durable/concurrency-limit-object';
export { FlowRunObject } from './durable/flow-run-object';
export { WorkPoolObject } from './durable/work-pool-object';

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, _env, _ctx) {
    // The scheduler (deployments' schedules, retention) hooks in here.
  },
} satisfies ExportedHandler<Env>;
