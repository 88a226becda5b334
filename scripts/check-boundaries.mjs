// Fails when code crosses a boundary the architecture forbids:
// src/domain stays pure (no platform, HTTP or database imports), and the edgeflow package never imports the Worker.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name)) yield path;
  }
}

function importsOf(path) {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((match) => match[1]);
}

const rules = [
  {
    dir: 'src/domain',
    forbidden: (spec) =>
      /^(cloudflare:|hono|@hono\/|drizzle-orm|node:)/.test(spec) || /\/(durable|api|db)\//.test(spec),
    why: 'src/domain must stay pure: no Cloudflare, Hono, drizzle or Node imports, and no I/O layers',
  },
  {
    dir: 'worker-agent/src',
    forbidden: (spec) =>
      /^(\.\.\/)+src\//.test(spec) ||
      spec.startsWith('edgeflow-server') ||
      /^(cloudflare:|hono|drizzle-orm)/.test(spec),
    why: 'the edgeflow package must not import the Worker',
  },
];

let violations = 0;
for (const rule of rules) {
  for (const file of sourceFiles(join(root, rule.dir))) {
    for (const spec of importsOf(file)) {
      if (rule.forbidden(spec)) {
        violations++;
        console.error(`${relative(root, file)} imports "${spec}": ${rule.why}`);
      }
    }
  }
}
if (violations > 0) process.exit(1);
console.log('boundaries ok');
