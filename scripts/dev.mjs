// `npm run dev`: the whole local setup in one command — the orchestrator (`npm run server`), an agent
// on the `local` work pool running the flows in examples/, the example deployments on their schedules,
// and a once-a-minute call of the Cron Trigger, which `wrangler dev` never fires by itself.
//   PORT  port of the local API (default 8787)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  Promise.all(children.map((child) => new Promise((done) => (child.exitCode !== null ? done() : child.on('exit', done))))).then(
    () => process.exit(code),
  );
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stop(0));

async function call(method, path, body) {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

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

start('server', [join(root, 'scripts', 'server.mjs')], { env: { ...process.env, PORT: port } });
await waitForServer();

const pool = await call('POST', '/api/work_pools', { name: POOL, type: 'process' });
if (pool.status >= 400 && pool.status !== 409) console.error(`[dev] could not create work pool ${POOL}:`, pool.body);

const examples = join(root, 'examples');
start('agent', [join(root, 'worker-agent', 'src', 'cli', 'main.ts'), 'agent', '--pool', POOL], {
  cwd: examples,
  env: { ...process.env, EDGEFLOW_API_URL: apiUrl, EDGEFLOW_API_KEY: apiKey },
});

const { deployments } = JSON.parse(readFileSync(join(examples, 'deployments.json'), 'utf8'));
for (const deployment of deployments) {
  const flow = await call('POST', '/api/flows', { name: deployment.flow_name });
  const created = await call('POST', '/api/deployments', { ...deployment, flow_id: flow.body.id, flow_name: undefined });
  if (created.status >= 400) console.error(`[dev] could not register deployment ${deployment.name}:`, created.body);
  else console.log(`[dev] deployment ${deployment.flow_name}/${deployment.name} registered`);
}

await tickCron();
setInterval(tickCron, 60_000);
console.log(`[dev] Edgeflow is up: API ${apiUrl}/api (key: ${apiKey}), agent on pool "${POOL}", cron ticking every minute`);
