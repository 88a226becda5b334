// A Worker that only answers `{"status":"ok"}`, on the workerd the local server uses (through Miniflare,
// as scripts/server.mjs serves Edgeflow): the floor any request through workerd pays (bench/layers.mjs).
//   PORT  port to listen on
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMiniflare } from '../../scripts/local-server/config.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const miniflare = await loadMiniflare(root);
const server = new miniflare.Miniflare(
  miniflare.convertV4MiniflareOptions({
    host: '127.0.0.1',
    port: Number(process.env.PORT),
    cf: false,
    logRequests: false,
    modules: true,
    compatibilityDate: '2026-11-01',
    script: 'export default { fetch: () => Response.json({ status: "ok" }) };',
  }),
);
await server.ready;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.dispose().finally(() => process.exit(0)));
}
