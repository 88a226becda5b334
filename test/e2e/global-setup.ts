// Before the Node tests: builds the `edgeflow` package when its JavaScript is older than its source (the
// end-to-end harness runs the agent, its flow-run processes and the flows' SDK from `dist`, as an
// installed package runs; from source, each flow-run process would spend ~0.3 s CPU stripping types),
// and prepares the local server once for every test file.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SERVER_TEMPLATE } from './harness.ts';

const PACKAGE = join(ROOT, 'worker-agent');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(join(PACKAGE, 'dist/index.js')).mtimeMs;
  } catch {
    return 0;
  }
}

/** Rebuilds `worker-agent/dist` unless it is newer than every source file. */
export function buildAgentIfStale(): void {
  const sources = Math.max(
    newestMtime(join(PACKAGE, 'src')),
    statSync(join(PACKAGE, 'tsconfig.build.json')).mtimeMs,
  );
  if (builtAt() >= sources) return;
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(PACKAGE, 'tsconfig.build.json')], { stdio: 'pipe' });
  } catch (error) {
    // Type errors still emit JavaScript; the tests then say what is wrong at run time.
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
    console.warn(`building edgeflow reported errors:\n${output.slice(0, 2_000)}`);
  }
}

/**
 * Builds the Worker's deploy bundle and migrates a template state folder (each a no-op when current)
 * before test files start servers in parallel: each server then starts from a copy of the template
 * (`startServer`) with nothing to bundle or migrate.
 */
export function prepareServer(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/server.mjs'), '--prepare'], {
    cwd: ROOT,
    env: { ...process.env, EDGEFLOW_PERSIST_DIR: SERVER_TEMPLATE, EDGEFLOW_LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
}

export default function setup(): void {
  buildAgentIfStale();
  prepareServer();
}
