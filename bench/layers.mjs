// `npm run bench:layers`: what each layer of the local server costs per request, side by side in one run.
// Contenders, all on this machine's workerd: a trivial Worker (the floor), Edgeflow on workerd through
// Miniflare (`npm run server`) with request lines off and on and with local observability on, and
// Edgeflow under `wrangler dev` (`npm run dev:wrangler`, the proxy in front). Each answers GET
// /api/health (public: Hono, the middleware chain, no storage) from 16 clients, in interleaved blocks.
// Prints requests/s, p50/p99, the server's CPU per request (its whole process tree), and sequential p50.
//   LAYERS_REQUESTS  requests per contender (default 3000, in ROUNDS blocks)
//   LAYERS_ROUNDS    blocks per contender (default 5)
import { connectionPool, request, runLoad, summarize } from './load/http.mjs';
import { startLocal, treeCpuSeconds } from './load/servers.mjs';

const REQUESTS = Number(process.env.LAYERS_REQUESTS ?? 3000);
const ROUNDS = Number(process.env.LAYERS_ROUNDS ?? 5);
const CONCURRENCY = 16;
const SEQUENTIAL = 200;
const quiet = { EDGEFLOW_LOG_LEVEL: 'warn' };

const contenders = [
  { name: 'trivial Worker on workerd', script: 'bench/load/trivial-worker.mjs' },
  { name: 'npm run server (workerd)', script: 'scripts/server.mjs', env: quiet },
  { name: '  + request lines (info)', script: 'scripts/server.mjs', env: { EDGEFLOW_LOG_LEVEL: 'info' } },
  {
    name: '  + local observability',
    script: 'scripts/server.mjs',
    env: { ...quiet, X_LOCAL_OBSERVABILITY: 'true' },
  },
  { name: 'wrangler dev (proxy)', script: 'scripts/dev-wrangler.mjs', env: quiet },
  {
    name: '  + local observability',
    script: 'scripts/dev-wrangler.mjs',
    env: { ...quiet, X_LOCAL_OBSERVABILITY: 'true' },
  },
];

const servers = [];
try {
  for (const contender of contenders) {
    process.stdout.write(`starting ${contender.name.trim()}…\n`);
    servers.push({ ...contender, server: await startLocal(contender), blocks: [], cpu: 0, sequential: [] });
  }
  for (const entry of servers) {
    entry.agent = connectionPool(CONCURRENCY);
    await runLoad({
      concurrency: CONCURRENCY,
      count: 300,
      operation: () => request(entry.server.url, { path: '/api/health', agent: entry.agent }),
    });
  }
  const perBlock = Math.ceil(REQUESTS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const entry of servers) {
      const cpuBefore = treeCpuSeconds(entry.server.group.pid);
      entry.blocks.push(
        await runLoad({
          concurrency: CONCURRENCY,
          count: perBlock,
          operation: () => request(entry.server.url, { path: '/api/health', agent: entry.agent }),
        }),
      );
      entry.cpu += treeCpuSeconds(entry.server.group.pid) - cpuBefore;
      const one = connectionPool(1);
      for (let i = 0; i < SEQUENTIAL / ROUNDS; i++) {
        entry.sequential.push((await request(entry.server.url, { path: '/api/health', agent: one })).ms);
      }
      one.destroy();
    }
  }
  console.log(
    `\nGET /api/health, ${CONCURRENCY} clients, ${perBlock * ROUNDS} requests each in ${ROUNDS} blocks`,
  );
  console.log(
    'contender                      req/s    p50 ms   p99 ms   server CPU ms/req   sequential p50 ms',
  );
  for (const entry of servers) {
    const summary = summarize(entry.blocks);
    const sequential = entry.sequential.sort((a, b) => a - b)[Math.floor(entry.sequential.length / 2)];
    console.log(
      `${entry.name.padEnd(28)} ${summary.opsPerSecond.toFixed(0).padStart(7)} ${summary.p50.toFixed(1).padStart(9)}` +
        ` ${summary.p99.toFixed(1).padStart(8)} ${((entry.cpu * 1000) / summary.count).toFixed(2).padStart(19)}` +
        ` ${sequential.toFixed(2).padStart(19)}${summary.errors ? `   ${summary.errors} errors` : ''}`,
    );
  }
} finally {
  await Promise.all(servers.map((entry) => entry.server.stop()));
}
