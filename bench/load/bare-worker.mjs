// Serves one hand-written Worker on the workerd the local server uses (through Miniflare, as
// scripts/server.mjs serves Edgeflow), on PORT, until SIGINT or SIGTERM: the baselines the load benches
// measure Edgeflow against (trivial-worker.mjs, floor-worker.mjs).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMiniflare } from '../../scripts/local-server/config.mjs';

/** Starts `script` (an ES module's source) with `options` (Miniflare's, e.g. bindings); the server once ready. */
export async function serveBareWorker(script, options = {}) {
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
      script,
      ...options,
    }),
  );
  await server.ready;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => server.dispose().finally(() => process.exit(0)));
  }
  return server;
}
