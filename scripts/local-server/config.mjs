// wrangler.toml as the local server needs it: the worker's Miniflare options as `wrangler dev` derives
// them (wrangler's own helpers: bindings, Durable Objects on SQLite, vars and .dev.vars secrets) and the
// few config fields the server reads. Loading wrangler's library costs ~2 s of CPU, so the result is
// kept in .wrangler and reused while its inputs are unchanged: a restart then starts that much sooner.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What wrangler reads besides wrangler.toml: .dev.vars, else .env files (getVarsForDev). */
const VAR_FILES = ['.dev.vars', '.env', '.env.local'];

function resolveFromWrangler(root, name) {
  return pathToFileURL(createRequire(join(root, 'node_modules', 'wrangler', 'package.json')).resolve(name))
    .href;
}

/** wrangler's library (its config helpers, its SQL splitter). */
export function loadWrangler(root) {
  return import(resolveFromWrangler(root, 'wrangler'));
}

/** The Miniflare wrangler ships with, so the server runs the workerd `wrangler dev` runs. */
export function loadMiniflare(root) {
  return import(resolveFromWrangler(root, 'miniflare'));
}

/** Everything the derived options depend on; null when the process environment may feed vars too. */
function inputsKey(root) {
  if (process.env.CLOUDFLARE_INCLUDE_PROCESS_ENV || process.env.CLOUDFLARE_ENV) return null;
  const hash = createHash('sha256');
  // The options hold absolute paths: a copy of the repository elsewhere derives its own.
  hash.update(`${root}\0`);
  const wranglerPackage = join(root, 'node_modules', 'wrangler', 'package.json');
  for (const file of ['wrangler.toml', ...VAR_FILES]) {
    const path = join(root, file);
    hash.update(`${file}\0${existsSync(path) ? readFileSync(path) : ''}\0`);
  }
  hash.update(JSON.parse(readFileSync(wranglerPackage, 'utf8')).version);
  hash.update(String(process.env.CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV ?? ''));
  return hash.digest('hex');
}

/** The config fields the server uses (the name, the bundle's main module, D1 migrations). */
function configSubset(config) {
  return {
    name: config.name,
    main: config.main,
    compatibility_date: config.compatibility_date,
    configPath: config.configPath,
    d1_databases: config.d1_databases.map(({ binding, migrations_dir, migrations_table }) => ({
      binding,
      migrations_dir,
      migrations_table,
    })),
  };
}

/**
 * `{ config, workerOptions }` for wrangler.toml in `root`, from `cachePath` when its inputs are
 * unchanged. `modulesRules` is dropped: the deploy bundle is one module already, and Miniflare 5
 * cannot take v4 module rules. The cache holds .dev.vars secrets, so only its owner may read it.
 */
export async function workerConfig(root, cachePath) {
  const key = inputsKey(root);
  if (key && existsSync(cachePath)) {
    try {
      const cached = JSON.parse(readFileSync(cachePath, 'utf8'));
      if (cached.key === key) return { config: cached.config, workerOptions: cached.workerOptions };
    } catch {
      // Unreadable: derive it again.
    }
  }
  const wrangler = await loadWrangler(root);
  const config = wrangler.unstable_readConfig({ config: join(root, 'wrangler.toml') });
  const { modulesRules: _bundledAlready, ...workerOptions } =
    wrangler.unstable_getMiniflareWorkerOptions(config).workerOptions;
  const derived = { config: configSubset(config), workerOptions };
  if (key) {
    mkdirSync(dirname(cachePath), { recursive: true });
    writeFileSync(cachePath, JSON.stringify({ key, ...derived }), { mode: 0o600 });
    chmodSync(cachePath, 0o600);
  }
  return derived;
}
