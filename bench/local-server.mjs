// The real local server for a benchmark that drives it alone: `startLocal` (a free port, fresh state,
// its own process group) plus JSON calls with the dev key and a Cron Trigger tick.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../test/e2e/harness.ts';
import { startLocal } from './load/servers.mjs';

function devKey() {
  if (process.env.EDGEFLOW_API_KEY) return process.env.EDGEFLOW_API_KEY;
  const vars = join(ROOT, '.dev.vars');
  const line = existsSync(vars) && /^EDGEFLOW_API_KEY=(.*)$/m.exec(readFileSync(vars, 'utf8'));
  return line ? line[1].trim() : 'edgeflow-dev-key';
}

/**
 * Starts `npm run server` and waits until it answers. `showOutput`: its stdout (console.log lines) goes
 * to ours; `env`: extra environment for it. Returns its base URL, `call` (JSON over the API, throwing
 * on 4xx/5xx), `tick` (one Cron Trigger) and `stop`.
 */
export async function startLocalServer({ showOutput = false, env = {} } = {}) {
  const server = await startLocal({ name: 'Edgeflow', script: 'scripts/server.mjs', env });
  if (showOutput) server.group.process.stdout.pipe(process.stdout);
  process.on('SIGINT', () => server.stop().then(() => process.exit(130)));
  const base = server.url;
  const key = devKey();

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

  return { base, call, tick, stop: () => server.stop() };
}
