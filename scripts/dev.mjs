// `npm run dev`: the whole local setup in one command — the orchestrator (`npm run server`), the
// example deployments registered with `edgeflow deploy` (examples/edgeflow.json), an agent on the
// `local` work pool running the flows in examples/, and a once-a-minute call of the Cron Trigger,
// which local workerd never fires by itself. `--wrangler` (`npm run dev:wrangler`) serves the
// orchestrator with `wrangler dev` instead, which reloads on every change in src/.
//   PORT                  port of the local API (default 8787)
//   EDGEFLOW_PERSIST_DIR  where the server keeps its local state (default .wrangler/state)
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const port = process.env.PORT ?? '8787';
const apiUrl = `http://127.0.0.1:${port}`;
const apiKey = process.env.EDGEFLOW_API_KEY ?? 'edgeflow-dev-key';
const POOL = 'local';
const children = [];
let stopping = false;

function start(name, args, options = {}) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', ...options });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[dev] ${name} exited (${signal ?? code}); stopping`);
    stop(1);
  });
  return child;
}

function stop(code) {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(
    children.map(
      (child) => new Promise((done) => (child.exitCode !== null ? done() : child.on('exit', done))),
    ),
  ).then(() => process.exit(code));
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stop(0));

async function waitForServer() {
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      if ((await fetch(`${apiUrl}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`the server did not answer on ${apiUrl} within 2 minutes`);
}

async function tickCron() {
  try {
    await fetch(`${apiUrl}/cdn-cgi/local/scheduled?cron=${encodeURIComponent('* * * * *')}`);
  } catch (error) {
    console.error(`[dev] cron tick failed: ${error.message}`);
  }
}

// A request log line per agent poll and heartbeat would bury what a newcomer wants to see: the runs.
const serverScript = process.argv.includes('--wrangler') ? 'dev-wrangler.mjs' : 'server.mjs';
start('server', [join(root, 'scripts', serverScript)], {
  env: { EDGEFLOW_LOG_LEVEL: 'warn', ...process.env, PORT: port },
});
await waitForServer();

const examples = join(root, 'examples');
const cli = join(root, 'worker-agent', 'src', 'cli', 'main.ts');
const cliEnv = { ...process.env, EDGEFLOW_API_URL: apiUrl, EDGEFLOW_API_KEY: apiKey };

// The example project's deployments, as any project registers its own: `edgeflow deploy`.
const deployed = await new Promise((done) => {
  const deploy = spawn(process.execPath, [cli, 'deploy'], { cwd: examples, env: cliEnv, stdio: 'inherit' });
  deploy.on('exit', (code) => done(code));
});
if (deployed !== 0) console.error('[dev] edgeflow deploy failed: the example deployments are not registered');

start('agent', [cli, 'agent', '--pool', POOL], { cwd: examples, env: cliEnv });

// Says so when a flow run ends, so a newcomer sees the scheduled runs happen among the server's lines.
const reported = new Set();
let since = new Date().toISOString();
async function reportEndedRuns() {
  try {
    const response = await fetch(`${apiUrl}/api/flow_runs/filter`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ flow_runs: { end_time: { after_: since } }, sort: 'END_TIME_DESC', limit: 50 }),
    });
    if (!response.ok) return;
    const ended = (await response.json()).filter((run) => !reported.has(run.id)).reverse();
    for (const run of ended) {
      reported.add(run.id);
      if (run.end_time > since) since = run.end_time;
      console.log(
        `[dev] flow run ${run.name} (${run.id}) ended ${run.state_name}: npx edgeflow logs ${run.id}`,
      );
    }
  } catch {
    // The server is restarting; the next round catches up.
  }
}

await tickCron();
setInterval(tickCron, 60_000);
setInterval(reportEndedRuns, 3_000);
const local = port === '8787' ? '' : `EDGEFLOW_API_URL=${apiUrl} `;
// The dashboard's sign-in link carries a one-time token (15 minutes, single use), never the key.
const link = await fetch(`${apiUrl}/api/sign_in_tokens`, {
  method: 'POST',
  headers: { authorization: `Bearer ${apiKey}` },
})
  .then(async (response) => (response.ok ? (await response.json()).sign_in_url : null))
  .catch(() => null);
console.log(`
[dev] Edgeflow is up: API ${apiUrl}/api (key: ${apiKey}); agent on pool "${POOL}"; cron ticking every minute.
[dev] Dashboard: ${link ? `${link} (one-time sign-in link, 15 minutes)` : `${apiUrl}/signin`}
[dev] hello/every-minute runs at the start of every minute (its first run within a minute). Look at it with:
        ${local}npx edgeflow runs                                   # recent flow runs
        ${local}npx edgeflow logs <run id or name> --follow          # a run's logs
        ${local}npx edgeflow run hello/every-minute --param name=you --watch
[dev] Change examples/edgeflow.json and run \`npx edgeflow deploy\` in examples/ to update it.`);
