// The local server (`npm run server`): the deploy bundle on workerd, with D1 migrated before it listens,
// and its state kept where and how `wrangler dev` keeps it, so either tool can open the other's state.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_KEY, type LocalServer, ROOT, startServer } from './harness.ts';

let server: LocalServer;

beforeAll(async () => {
  server = await startServer(90_000, { emptyState: true });
});

afterAll(async () => {
  await server?.stop();
});

describe('the local server', () => {
  it('has applied the D1 migrations before /api/health first answers, on an empty state folder', async () => {
    const flow = await server.client.createFlow({ name: 'migrated-before-listening' });
    const found = await server.client.filterFlowRuns({ flows: { id: { any_: [flow.id] } } });
    expect(flow.name).toBe('migrated-before-listening');
    expect(found).toEqual([]);
  });

  it("keeps D1 where wrangler's local D1 reads it, with the migrations recorded as wrangler records them", async () => {
    await server.client.createFlow({ name: 'seen-by-wrangler' });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
        'd1',
        'execute',
        'edgeflow',
        '--local',
        '--persist-to',
        server.persistDir,
        '--json',
        '--command',
        "SELECT name FROM flows WHERE name = 'seen-by-wrangler'; SELECT name FROM d1_migrations ORDER BY id",
      ],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true' } },
    );
    const [flows, migrations] = JSON.parse(stdout) as { results: { name: string }[] }[];
    expect(flows!.results).toEqual([{ name: 'seen-by-wrangler' }]);
    expect(migrations!.results.map((row) => row.name)).toContain('0000_init.sql');
  });

  it("serves the dashboard's files under /static from the assets, with their cache headers, and every other path from the Worker", async () => {
    const css = await fetch(`${server.url}/static/dashboard.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await css.text()).length).toBeGreaterThan(0);
    // `run_worker_first` sends these straight to the Worker: its JSON, its sign-in redirect.
    const health = await fetch(`${server.url}/api/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const page = await fetch(`${server.url}/runs`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toMatch(/\/signin/);
  });

  it('answers a body over the limit with its 413, not a connection reset under the client still sending it', async () => {
    const body = Buffer.alloc(20 * 1024 * 1024, 'x');
    const answer = await new Promise<{ status: number; text: string }>((done, fail) => {
      const sent = request(
        `${server.url}/api/logs`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${DEV_KEY}`,
            'content-type': 'application/json',
            'content-length': body.length,
          },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () => done({ status: response.statusCode ?? 0, text }));
        },
      );
      sent.on('error', fail);
      sent.end(body);
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({ code: 'request.too_large' });
  });

  it('loses no index write to a kill: runs the index had when they answered are there after a restart, and stay right once their objects deliver again', async () => {
    const flow = await server.client.createFlow({ name: 'killed-after-answers' });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const run = await server.client.createFlowRun({ flow_id: flow.id, tags: ['kept'] });
      await server.client.setFlowRunState(run.id, { state: { type: 'RUNNING' } });
      if (i % 2 === 0) await server.client.setFlowRunState(run.id, { state: { type: 'COMPLETED' } });
      ids.push(run.id);
    }
    const expected = ids.map((_, i) => (i % 2 === 0 ? 'COMPLETED' : 'RUNNING'));
    // Killed with every run's delivered outbox rows still in its object (they go with a next write).
    await server.restart({ signal: 'SIGKILL' });
    const stateOf = async () => {
      const found = await server.client.filterFlowRuns({ flows: { id: { any_: [flow.id] } } });
      return ids.map((id) => found.find((run) => run.id === id)?.state_type);
    };
    expect(await stateOf()).toEqual(expected);
    // Each woken object delivers again before it answers; the index is unchanged by it.
    for (const id of ids) expect((await server.client.readFlowRun(id)).tags).toEqual(['kept']);
    expect(await stateOf()).toEqual(expected);
    const tagged = await server.client.filterFlowRuns({ flow_runs: { tags: { all_: ['kept'] } } });
    expect(tagged.map((run) => run.id).sort()).toEqual([...ids].sort());
    // And a next write after the restart still lands.
    await server.client.setFlowRunState(ids[1]!, { state: { type: 'COMPLETED' } });
    expect((await stateOf())[1]).toBe('COMPLETED');
  });
});
