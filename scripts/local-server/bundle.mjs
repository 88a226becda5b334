// The Worker exactly as `wrangler deploy` uploads it, built offline (`wrangler deploy --dry-run`) and kept
// until one of its sources changes, so a restart costs no bundling.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/**
 * Inputs a bundle depends on beside the files its source map names: the config (compatibility flags,
 * `define`) and the installed packages (npm stamps files inside node_modules with a fixed old mtime, so a
 * changed dependency shows only in the lock files).
 */
const CONFIG_INPUTS = [
  'wrangler.toml',
  'package.json',
  'package-lock.json',
  'node_modules/.package-lock.json',
];

function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY; // gone: whatever used it must be rebuilt
  }
}

/** The bundle's main module in `dir` (wrangler names it after `main` in wrangler.toml), or null. */
function mainModuleIn(dir, main) {
  const path = join(dir, basename(main).replace(/\.[cm]?[jt]sx?$/, '.js'));
  return existsSync(path) ? path : null;
}

/** Whether the bundle in `dir` is older than anything it was built from. */
function isStale(root, dir, mainPath) {
  const builtAt = statSync(mainPath).mtimeMs;
  const mapPath = `${mainPath}.map`;
  if (!existsSync(mapPath)) return true;
  const { sources = [] } = JSON.parse(readFileSync(mapPath, 'utf8'));
  const inputs = [
    ...sources.map((source) => resolve(dir, source)),
    ...CONFIG_INPUTS.map((f) => join(root, f)),
  ];
  return inputs.some((path) => mtimeOf(path) > builtAt && existsSync(path)) || sources.length === 0;
}

function runWrangler(root, args, env) {
  const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [wrangler, ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done(output) : fail(new Error(`wrangler ${args.join(' ')} failed (${code}):\n${output}`)),
    );
  });
}

/**
 * The path of the deploy bundle's main module under `dir`, rebuilt first when stale. Several servers may
 * start at once (the e2e suite does): each builds into a directory of its own and renames it into place,
 * so a reader never sees half a bundle.
 */
export async function ensureBundle({ root, dir, main, env, log }) {
  const current = mainModuleIn(dir, main);
  if (current && !isStale(root, dir, current)) return current;
  const started = performance.now();
  const building = `${dir}.${process.pid}.tmp`;
  rmSync(building, { recursive: true, force: true });
  await runWrangler(root, ['deploy', '--dry-run', '--outdir', building], env);
  const theirs = mainModuleIn(dir, main);
  if (theirs && !isStale(root, dir, theirs)) {
    // Another server put a fresh build in place meanwhile: keep that one.
    rmSync(building, { recursive: true, force: true });
    return theirs;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  log(`built the deploy bundle in ${Math.round(performance.now() - started)} ms`);
  const built = mainModuleIn(dir, main);
  if (!built) throw new Error(`wrangler deploy --dry-run wrote no ${basename(main)} bundle in ${dir}`);
  return built;
}

/** Modules beside the main one (wasm, text, a split chunk): this server loads only a single-file bundle. */
export function extraModules(mainPath) {
  const dir = resolve(mainPath, '..');
  return readdirSync(dir).filter(
    (name) => name !== basename(mainPath) && !name.endsWith('.map') && name !== 'README.md',
  );
}
