// The Worker: the HTTP API, the Cron Trigger, and the Durable Object classes it binds.
import { createApp } from './api/app';
import { ensureSystemBlocks } from './api/system-blocks';
import type { Env } from './env';
import { pruneExpiredEvents, pruneExpiredFirings } from './scheduler/event-retention';
import { pruneExpiredRecords } from './scheduler/run-retention';
import { schedulerTick } from './scheduler/tick';

export { AutomationsObject } from './durable/automations-object';
export { ConcurrencyLimitObject } from './durable/concurrency-limit-object';
export { FlowRunObject } from './durable/flow-run-object';
export { WorkPoolObject } from './durable/work-pool-object';

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    // Beside the tick, not before it: a backlog of expired events, runs or logs never delays planning.
    ctx.waitUntil(pruneExpiredEvents(env, new Date(controller.scheduledTime)));
    ctx.waitUntil(pruneExpiredFirings(env));
    ctx.waitUntil(pruneExpiredRecords(env, new Date(controller.scheduledTime)));
    // Installed by the first tick after a deploy, so the dashboard lists them before any block request.
    ctx.waitUntil(
      ensureSystemBlocks(env, new Date(controller.scheduledTime)).catch((error) =>
        console.error('installing system block types failed', error),
      ),
    );
    // The tick's instant is the trigger's, so a late or replayed tick plans exactly what it would have.
    const report = await schedulerTick(env, new Date(controller.scheduledTime));
    if (report.runs_created > 0 || report.runs_cancelled > 0)
      console.log('scheduler tick', JSON.stringify(report));
  },
} satisfies ExportedHandler<Env>;
