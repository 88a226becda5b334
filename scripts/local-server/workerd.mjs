// What the local server hands workerd: the worker's options from wrangler.toml (config.mjs), pointed at
// the deploy bundle, with nothing in front of the Worker, and logs that follow EDGEFLOW_LOG_LEVEL.
import { join } from 'node:path';

/** Wrangler's log levels, quietest first; a line shows when its level is at or before the chosen one. */
const LEVELS = ['none', 'error', 'warn', 'info', 'log', 'debug'];

export function logLevelRank(name) {
  const rank = LEVELS.indexOf(name);
  if (rank < 0) throw new Error(`EDGEFLOW_LOG_LEVEL must be one of ${LEVELS.join(', ')}; got "${name}"`);
  return rank;
}

function miniflareLogLevel(LogLevel, rank) {
  return [LogLevel.NONE, LogLevel.ERROR, LogLevel.WARN, LogLevel.INFO, LogLevel.INFO, LogLevel.DEBUG][rank];
}

/** The Worker's own console lines, shown as `wrangler dev` shows them at the same level. */
function workerLogs(rank) {
  return ({ level, message }) => {
    const lineRank = level === 'error' ? 1 : level === 'warn' ? 2 : level === 'debug' ? 5 : 3;
    if (lineRank > rank) return;
    if (lineRank <= 2) console.error(message);
    else console.log(message);
  };
}

/**
 * Miniflare's options for serving `bundlePath` on host:port. Request lines and the Worker's logs follow
 * `logLevel`; `/cdn-cgi/local/scheduled` fires the Cron Trigger as under `wrangler dev`; `Request.cf` is
 * empty (no download; Miniflare's placeholder cost a JSON copy at every hop, docs/performance.md); local
 * observability stays off unless `observability`.
 */
export function serverOptions({ miniflare, config, workerOptions, bundlePath, ...how }) {
  const { host, port, resourcePersistencePath, logLevel, observability } = how;
  const rank = logLevelRank(logLevel);
  return miniflare.convertV4MiniflareOptions({
    host,
    port,
    cf: {},
    log: new miniflare.Log(miniflareLogLevel(miniflare.LogLevel, rank)),
    logRequests: rank >= logLevelRank('info'),
    handleStructuredLogs: workerLogs(rank),
    resourcePersistencePath,
    unsafeTriggerHandlers: true,
    unsafeObservability: observability,
    workers: [
      {
        ...workerOptions,
        // Local development: the admin key may stand in for EDGEFLOW_SECRET_KEY (docs/blocks.md).
        bindings: { ...workerOptions.bindings, EDGEFLOW_LOCAL_DEV: 'true' },
        name: config.name,
        modules: true,
        modulesRoot: join(bundlePath, '..'),
        scriptPath: bundlePath,
      },
    ],
  });
}
