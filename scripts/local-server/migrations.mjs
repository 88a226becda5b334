// D1 migrations for the local server, applied before it listens, recorded as `wrangler d1 migrations
// apply` records them (the `d1_migrations` table), so either tool sees what the other applied.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const DEFAULT_TABLE = 'd1_migrations';

/**
 * Remembers, inside the D1 state folder, which migrations this server applied, so a restart on the same
 * state skips starting workerd twice. Trusted only while the database file it was written beside exists;
 * anything else falls back to asking D1.
 */
const MARKER = 'edgeflow-migrations.json';

function quoteIdentifier(name) {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Each D1 database in the config with a migrations folder, and that folder's `.sql` files in order. */
export function plannedMigrations(config) {
  const root = resolve(config.configPath, '..');
  return config.d1_databases
    .map((database) => {
      const dir = resolve(root, database.migrations_dir ?? 'migrations');
      const names = existsSync(dir)
        ? readdirSync(dir)
            .filter((name) => name.endsWith('.sql'))
            .sort()
        : [];
      return { binding: database.binding, table: database.migrations_table ?? DEFAULT_TABLE, dir, names };
    })
    .filter((database) => database.names.length > 0);
}

function d1StateDir(resourcePersistencePath) {
  return join(resourcePersistencePath, 'd1', 'miniflare-D1DatabaseObject');
}

function hasDatabaseFile(resourcePersistencePath) {
  const dir = d1StateDir(resourcePersistencePath);
  return existsSync(dir) && readdirSync(dir).some((name) => /^[0-9a-f]{64}\.sqlite$/.test(name));
}

/** Whether the marker says every planned migration is applied to the state under `resourcePersistencePath`. */
export function markedAsApplied(resourcePersistencePath, plans) {
  const marker = join(d1StateDir(resourcePersistencePath), MARKER);
  if (!existsSync(marker) || !hasDatabaseFile(resourcePersistencePath)) return false;
  try {
    const applied = JSON.parse(readFileSync(marker, 'utf8'));
    return plans.every((plan) => plan.names.every((name) => applied[plan.binding]?.includes(name)));
  } catch {
    return false;
  }
}

function markApplied(resourcePersistencePath, plans) {
  const applied = Object.fromEntries(plans.map((plan) => [plan.binding, plan.names]));
  writeFileSync(join(d1StateDir(resourcePersistencePath), MARKER), `${JSON.stringify(applied, null, 2)}\n`);
}

/**
 * A Worker that runs statements for the migrator (Node asks; D1 answers inside workerd): `list` reads a
 * database's applied migrations, `apply` runs one migration and its record as one atomic batch.
 */
const MIGRATOR_SCRIPT = `export default {
  async fetch(request, env) {
    const { binding, statements } = await request.json();
    const database = env[binding];
    try {
      const results = await database.batch(statements.map((sql) => database.prepare(sql)));
      return Response.json(results.map((result) => result.results ?? []));
    } catch (error) {
      return Response.json({ error: String(error?.message ?? error) }, { status: 500 });
    }
  },
};`;

async function run(miniflare, binding, statements) {
  const response = await miniflare.dispatchFetch('http://migrator.local/', {
    method: 'POST',
    body: JSON.stringify({ binding, statements }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error);
  return body;
}

/**
 * Applies the migrations D1 lacks, through a short-lived workerd that holds only the D1 bindings and
 * the same state folder, so the API never answers before its tables exist. Returns the names applied.
 */
export async function applyMigrations({
  miniflare: { Miniflare, convertV4MiniflareOptions },
  splitSql,
  ...how
}) {
  const { plans, d1Databases, resourcePersistencePath, compatibilityDate } = how;
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      host: '127.0.0.1',
      port: 0,
      resourcePersistencePath,
      modules: true,
      script: MIGRATOR_SCRIPT,
      compatibilityDate,
      d1Databases,
    }),
  );
  const applied = [];
  try {
    for (const plan of plans) {
      const table = quoteIdentifier(plan.table);
      const [, rows] = await run(miniflare, plan.binding, [
        `CREATE TABLE IF NOT EXISTS ${table}(
          id         INTEGER PRIMARY KEY AUTOINCREMENT,
          name       TEXT UNIQUE,
          applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
        )`,
        `SELECT name FROM ${table} ORDER BY id`,
      ]);
      const done = new Set(rows.map((row) => row.name));
      for (const name of plan.names.filter((migration) => !done.has(migration))) {
        const sql = readFileSync(join(plan.dir, name), 'utf8');
        const record = `INSERT INTO ${table} (name) values ('${name.replace(/'/g, "''")}');`;
        await run(miniflare, plan.binding, splitSql(`${sql}\n${record}`));
        applied.push(name);
      }
    }
    markApplied(resourcePersistencePath, plans);
  } finally {
    await miniflare.dispose();
  }
  return applied;
}
