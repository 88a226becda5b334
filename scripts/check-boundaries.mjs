// Fails when code crosses a boundary the architecture forbids (docs/architecture.md):
// - src/domain stays pure (no platform, HTTP or database imports);
// - the Worker's floors only import downwards: api, dashboard → scheduler → durable → db → domain (the scheduler
//   sits beside the API as the Cron Trigger's entry; a deployment written through the API asks it to
//   plan or withdraw runs, so the API may call it, never the reverse); so do the package's:
//   serve, cli → agent, deploy → sdk → client → protocol;
// - the edgeflow package never imports the Worker, and its tests stay inside it;
// - no import cycle, except through type-only imports (they vanish at run time).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

/**
 * Every import and re-export of a file, with whether it is type-only. Under `verbatimModuleSyntax`
 * only `import type` / `export type` vanish at run time; `import { type A }` still loads the module.
 */
function importsOf(path) {
  const text = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
  const found = [];
  const declaration = /\b(import|export)\s+(type\s+)?([\w*{}\s,$]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const [, , typeKeyword, , spec] of text.matchAll(declaration)) {
    found.push({ spec, typeOnly: Boolean(typeKeyword) });
  }
  for (const [, spec] of text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    found.push({ spec, typeOnly: false });
  }
  for (const [, spec] of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm))
    found.push({ spec, typeOnly: false });
  return found;
}

/** The file a relative specifier names, or null for packages. */
function resolveLocal(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  const candidates = [
    base,
    `${base}.ts`,
    `${base}.tsx`,
    base.replace(/\.js$/, '.ts'),
    join(base, 'index.ts'),
  ];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile()) ?? null;
}

/** Each tree's floors, top to bottom; a file may import its own floor or any floor below it. */
const FLOORS = {
  // The dashboard's pages sit beside the API: both read through db and the objects, and the API mounts them.
  src: [['api', 'dashboard'], ['scheduler'], ['durable'], ['db'], ['domain']],
  // The edgeflow package (docs/sdk.md, "Where the code is"): serve() sits above the SDK and the agent.
  'worker-agent/src': [['serve', 'cli'], ['agent', 'deploy'], ['sdk'], ['client'], ['protocol']],
};
function floorOf(file) {
  for (const [tree, floors] of Object.entries(FLOORS)) {
    const rel = relative(join(root, tree), file);
    if (rel.startsWith('..')) continue;
    const top = rel.split('/')[0];
    const index = floors.findIndex((floor) => floor.includes(top));
    return index === -1 ? null : { tree, name: top, level: index };
  }
  return null;
}

const violations = [];
const graph = new Map();
const files = [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'worker-agent/src'))];

for (const file of files) {
  const inPackage = file.startsWith(join(root, 'worker-agent/'));
  const edges = [];
  for (const { spec, typeOnly } of importsOf(file)) {
    const where = relative(root, file);
    if (file.startsWith(join(root, 'src/domain/'))) {
      if (/^(cloudflare:|hono|@hono\/|drizzle-orm|node:)/.test(spec)) {
        violations.push(
          `${where} imports "${spec}": src/domain stays pure (no platform, HTTP, database or Node)`,
        );
      }
    }
    if (
      inPackage &&
      (/^(cloudflare:|hono|drizzle-orm|edgeflow-server)/.test(spec) || /^(\.\.\/)+src\//.test(spec))
    ) {
      violations.push(`${where} imports "${spec}": the edgeflow package must not import the Worker`);
    }
    const target = resolveLocal(file, spec);
    if (!target) continue;
    if (inPackage && !target.startsWith(join(root, 'worker-agent/'))) {
      violations.push(`${where} imports "${spec}": the edgeflow package must not import the Worker`);
    }
    const [from, to] = [floorOf(file), floorOf(target)];
    if (from && to && from.tree === to.tree && to.level < from.level) {
      violations.push(`${where} imports "${spec}": ${from.name} may not import ${to.name}, a floor above it`);
    }
    if (!typeOnly) edges.push(target);
  }
  graph.set(file, edges);
}

// Tests that need the server and its harness live in test/e2e, not in the package.
for (const file of sourceFiles(join(root, 'worker-agent/test'))) {
  for (const { spec } of importsOf(file)) {
    const target = resolveLocal(file, spec);
    if (target && !target.startsWith(join(root, 'worker-agent/'))) {
      violations.push(
        `${relative(root, file)} imports "${spec}": the edgeflow package's tests stay inside the package (server tests live in test/e2e)`,
      );
    }
  }
}

// Tarjan's strongly connected components: any component of more than one file is a cycle.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
function connect(file) {
  index.set(file, counter);
  low.set(file, counter++);
  stack.push(file);
  onStack.add(file);
  for (const next of graph.get(file) ?? []) {
    if (!index.has(next)) {
      connect(next);
      low.set(file, Math.min(low.get(file), low.get(next)));
    } else if (onStack.has(next)) {
      low.set(file, Math.min(low.get(file), index.get(next)));
    }
  }
  if (low.get(file) !== index.get(file)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(relative(root, member));
  } while (member !== file);
  if (component.length > 1) violations.push(`import cycle: ${component.sort().join(' ↔ ')}`);
}
for (const file of graph.keys()) if (!index.has(file)) connect(file);

for (const violation of violations) console.error(violation);
if (violations.length > 0) process.exit(1);
console.log(`boundaries ok: ${files.length} files, floors and cycles checked`);
