// A Worker that only answers `{"status":"ok"}`, on the workerd the local server uses (through Miniflare,
// as scripts/server.mjs serves Edgeflow): the floor any request through workerd pays (bench/layers.mjs).
//   PORT  port to listen on
import { serveBareWorker } from './bare-worker.mjs';

await serveBareWorker('export default { fetch: () => Response.json({ status: "ok" }) };');
