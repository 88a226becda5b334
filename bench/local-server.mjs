// The real local server for a benchmark: `npm run server` on a free port with a fresh state folder,
// called with the dev key, and removed again when the bench stops (or is interrupted).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function devKey() {
  if (process.env.EDGEFLOW_API_KEY) return process.env.EDGEFLOW_API_KEY;
  const vars = join(root, '.dev.vars');
  const line = existsSync(vars) && /^EDGEFLOW_API_KEY=(.*)$/m.exec(readFileSync(vars, 'utf8'));
  return line ? line[1].trim() : 'edgeflow-dev-key';
}

function freePort() {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/**
 * Starts the server and waits until it answers. `showOutput`: its stdout (console.log lines) goes to
 * ours; `env`: extra environment for it. Returns its base URL, `call` (JSON over the API, throwing on
 * 4xx/5xx), `tick` (one Cron Trigger) and `stop`.
 */
export async function startLocalServer({ showOutput = false, env = {} } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const persist = mkdtempSync(join(tmpdir(), 'edgeflow-bench-'));
  const server = spawn(process.execPath, [join(root, 'scripts', 'server.mjs')], {
    cwd: root,
    env: { ...process.env, PORT: String(port), EDGEFLOW_PERSIST_DIR: persist, ...env },
    stdio: ['ignore', showOutput ? 'inherit' : 'ignore', 'inherit'],
  });
  const key = devKey();

  async function stop() {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((done) => server.on('exit', done));
    }
    rmSync(persist, { recursive: true, force: true });
  }
  process.on('SIGINT', () => stop().then(() => process.exit(130)));

  async function call(method, path, body) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 400)
      throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  }

  const tick = () => fetch(`${base}/cdn-cgi/local/scheduled?cron=${encodeURIComponent('* * * * *')}`);

  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt >= 900) {
      await stop();
      throw new Error('the server did not start within 3 minutes');
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  return { base, call, tick, stop };
}
