// The floor of the design, for bench/load.mjs: the least a server can do that keeps one SQLite Durable
// Object per flow run and a D1 index, on the workerd the local server uses (through Miniflare, state
// persisted as scripts/server.mjs persists it). A create makes the run's object, which writes one row in
// its own database and one row in D1; a set_state writes the same two rows; a read asks the object. No
// validation, no orchestration rules, no events, no outbox: what is left is workerd's price for a
// database per run, a commit in it and one in D1. Its ratio to Prefect bounds what Edgeflow can reach.
//   PORT                 port to listen on
//   EDGEFLOW_PERSIST_DIR where the objects and D1 keep their state
import { join } from 'node:path';
import { serveBareWorker } from './bare-worker.mjs';

const WORKER = `
import { DurableObject } from 'cloudflare:workers';

// Made by the first write of each isolate (a promise cannot be shared across objects' requests).
let runsTableMade = false;

export class Run extends DurableObject {
  async write(id, state) {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      sql.exec('CREATE TABLE IF NOT EXISTS run (id TEXT PRIMARY KEY, doc TEXT NOT NULL)');
      sql.exec(
        'INSERT INTO run (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc',
        id,
        JSON.stringify({ id, state: { type: state } }),
      );
    });
    if (!runsTableMade) {
      await this.env.DB.prepare('CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, state TEXT NOT NULL)').run();
      runsTableMade = true;
    }
    await this.env.DB.prepare(
      'INSERT INTO runs (id, state) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state',
    )
      .bind(id, state)
      .run();
  }

  read() {
    return this.ctx.storage.sql.exec('SELECT doc FROM run').toArray()[0]?.doc ?? null;
  }
}

const run = (env, id) => env.RUNS.get(env.RUNS.idFromName(id));

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname.replace(/\\/$/, '');
    const parts = path.split('/');
    if (path === '/api/health') return Response.json({ status: 'ok' });
    if (request.method === 'POST' && path === '/api/flows') return Response.json({ id: crypto.randomUUID() });
    if (request.method === 'POST' && path === '/api/flow_runs') {
      await request.json();
      const id = crypto.randomUUID();
      await run(env, id).write(id, 'PENDING');
      return Response.json({ id }, { status: 201 });
    }
    if (request.method === 'POST' && parts[3] && parts[4] === 'set_state') {
      const body = await request.json();
      await run(env, parts[3]).write(parts[3], body.state.type);
      return Response.json({ status: 'ACCEPT' }, { status: 201 });
    }
    if (request.method === 'GET' && parts[3] && parts.length === 4) {
      const doc = await run(env, parts[3]).read();
      return doc ? new Response(doc, { headers: { 'content-type': 'application/json' } }) : new Response(null, { status: 404 });
    }
    return new Response(null, { status: 404 });
  },
};
`;

await serveBareWorker(WORKER, {
  resourcePersistencePath: join(process.env.EDGEFLOW_PERSIST_DIR, 'v3'),
  durableObjects: { RUNS: { className: 'Run', useSQLite: true } },
  d1Databases: { DB: 'floor' },
});
