// The local control plane under `wrangler dev`, for hot reload while editing src/ (`npm run dev:wrangler`
// runs `npm run dev` on it). Slower per request than `npm run server` (wrangler's proxy sits in front:
// docs/performance.md); same state folder, dev key and migrations.
//   PORT                  port to listen on (default 8787, bound to 127.0.0.1)
//   EDGEFLOW_PERSIST_DIR  where D1, Durable Objects and R2 keep their local state (default .wrangler/state)
//   EDGEFLOW_LOG_LEVEL    wrangler's log level (default info: one line per request; `npm run dev` uses warn)
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const port = process.env.PORT ?? '8787';
const persistTo = resolve(root, process.env.EDGEFLOW_PERSIST_DIR ?? '.wrangler/state');
const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

// Nothing phones home: no usage metrics, no error reports, no npm update check (it rides the banner),
// no download of the `Request.cf` object (a placeholder is used locally).
const env = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  DO_NOT_TRACK: '1',
  WRANGLER_HIDE_BANNER: 'true',
  // Wrangler's local observability (on by default) streams a trace of every invocation, each request
  // and each Durable Object call, into a SQLite store and fsyncs it: measured, it tripled the CPU of
  // a trivial request and added 40–60 ms to every pickup. Set X_LOCAL_OBSERVABILITY=true to have it back.
  X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? 'false',
};

const devVars = join(root, '.dev.vars');
if (!existsSync(devVars)) {
  writeFileSync(devVars, 'EDGEFLOW_API_KEY=edgeflow-dev-key\n');
  console.log('wrote .dev.vars with EDGEFLOW_API_KEY=edgeflow-dev-key (local development only)');
}

let current = null;
let stopping = false;

function run(args) {
  return new Promise((done) => {
    current = spawn(process.execPath, [wrangler, ...args], { cwd: root, env, stdio: 'inherit' });
    current.on('exit', (code, signal) => {
      current = null;
      done({ code, signal });
    });
  });
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopping = true;
    current?.kill(signal);
  });
}

const migrated = await run(['d1', 'migrations', 'apply', 'edgeflow', '--local', '--persist-to', persistTo]);
if (migrated.code !== 0 || stopping) process.exit(migrated.code ?? 1);

const served = await run([
  'dev',
  '--port',
  port,
  '--ip',
  '127.0.0.1',
  '--persist-to',
  persistTo,
  '--show-interactive-dev-session=false',
  // Local development: the admin key may stand in for EDGEFLOW_SECRET_KEY (docs/blocks.md).
  '--var',
  'EDGEFLOW_LOCAL_DEV:true',
  '--log-level',
  process.env.EDGEFLOW_LOG_LEVEL ?? 'info',
]);
process.exit(served.code ?? (stopping ? 0 : 1));
