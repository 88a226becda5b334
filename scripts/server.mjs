// `npm run server`: the local control plane on workerd, offline, with the dev key and migrations applied.
// It runs the bundle `wrangler deploy` uploads, with wrangler.toml's bindings, on workerd through
// Miniflare, with nothing in front of it (`npm run dev:wrangler` keeps `wrangler dev` for hot reload).
//   PORT                   port to listen on (default 8787, bound to 127.0.0.1)
//   EDGEFLOW_PERSIST_DIR   where D1, Durable Objects and R2 keep their local state (default .wrangler/state,
//                          the folder and layout `wrangler dev --persist-to` uses)
//   EDGEFLOW_LOG_LEVEL     none, error, warn, info (default: one line per request), log or debug
//   X_LOCAL_OBSERVABILITY  true turns on Miniflare's local traces (off: they cost CPU on every request
//                          and Durable Object call; docs/performance.md)
//   EDGEFLOW_BUNDLE        serve this prebuilt bundle (its main module) instead of building src/, as
//                          benchmarks do to compare two builds side by side
// `node scripts/server.mjs --prepare` only builds the bundle and migrates the state folder, then exits.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBundle, extraModules } from './local-server/bundle.mjs';
import { loadMiniflare, loadWrangler, workerConfig } from './local-server/config.mjs';
import { holdPort } from './local-server/hold-port.mjs';
import { applyMigrations, markedAsApplied, plannedMigrations } from './local-server/migrations.mjs';
import { logLevelRank, serverOptions } from './local-server/workerd.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT ?? '8787');
const persistTo = resolve(root, process.env.EDGEFLOW_PERSIST_DIR ?? '.wrangler/state');
const logLevel = process.env.EDGEFLOW_LOG_LEVEL ?? 'info';
const prepareOnly = process.argv.includes('--prepare');
const chatty = logLevelRank(logLevel) >= logLevelRank('info');
const say = (line) => chatty && console.log(line);

// Nothing phones home: no usage metrics or error reports from the wrangler that bundles.
const wranglerEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  DO_NOT_TRACK: '1',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};
Object.assign(process.env, wranglerEnv);

const devVars = join(root, '.dev.vars');
if (!existsSync(devVars)) {
  writeFileSync(devVars, 'EDGEFLOW_API_KEY=edgeflow-dev-key\n');
  console.log('wrote .dev.vars with EDGEFLOW_API_KEY=edgeflow-dev-key (local development only)');
}

// Requests made while the server starts wait for it (hold-port.mjs).
const holder = prepareOnly ? null : await holdPort('127.0.0.1', port);

let server = null;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await server?.dispose().catch(() => undefined);
    process.exit(0);
  });
}

const miniflareLoading = loadMiniflare(root);
const { config, workerOptions } = await workerConfig(
  root,
  join(root, '.wrangler', 'local-server-options.json'),
);
const bundlePath = process.env.EDGEFLOW_BUNDLE
  ? resolve(process.env.EDGEFLOW_BUNDLE)
  : await ensureBundle({
      root,
      dir: join(root, '.wrangler', 'deploy-bundle'),
      main: config.main,
      env: wranglerEnv,
      log: say,
    });
const extras = extraModules(bundlePath);
if (extras.length > 0) {
  throw new Error(
    `the deploy bundle has modules beside its main one (${extras.join(', ')}); serve it with npm run dev:wrangler`,
  );
}

// `wrangler dev --persist-to X` keeps its state in X/v3; so does this server, so either can take over.
const resourcePersistencePath = join(persistTo, 'v3');
const plans = plannedMigrations(config);
if (plans.length > 0 && !markedAsApplied(resourcePersistencePath, plans)) {
  const applied = await applyMigrations({
    miniflare: await miniflareLoading,
    splitSql: (await loadWrangler(root)).unstable_splitSqlQuery,
    plans,
    d1Databases: workerOptions.d1Databases,
    resourcePersistencePath,
    compatibilityDate: config.compatibility_date,
  });
  if (applied.length > 0) say(`applied D1 migrations: ${applied.join(', ')}`);
}
if (prepareOnly || stopping) process.exit(0);

const miniflare = await miniflareLoading;
await holder.release();
server = new miniflare.Miniflare(
  serverOptions({
    miniflare,
    config,
    workerOptions,
    bundlePath,
    host: '127.0.0.1',
    port,
    resourcePersistencePath,
    logLevel,
    observability: process.env.X_LOCAL_OBSERVABILITY === 'true',
  }),
);
const url = await server.ready;
holder.dropHeld();
say(`Edgeflow API on ${url.origin}/api (workerd, state in ${persistTo})`);
