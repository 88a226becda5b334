#!/usr/bin/env node
// The `edgeflow` command. The CLI itself is compiled to dist/; this launcher is checked in so that npm
// links the command at install time, before a checkout of the repository has built dist/.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('edgeflow: the CLI is not built yet; run `npm run build:agent` at the repository root.');
  process.exit(1);
}
await import(cli.href);
