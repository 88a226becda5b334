// The agent's log shipper against the real local server through a proxy that cuts the answer to a
// stored log batch: the client sends the batch again, with the same line keys, and nothing is doubled.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogShipper } from '../../worker-agent/src/agent/log-shipper.ts';
import { EdgeflowClient } from '../../worker-agent/src/client/index.ts';
import type { LogCreate } from '../../worker-agent/src/protocol/index.ts';
import { DEV_KEY, type LocalServer, startServer } from './harness.ts';

let server: LocalServer;
let proxy: Server;

/** Log batches that reached the server through the proxy, as sent, answered or not. */
const batchesSent: LogCreate[][] = [];
/** How many more answers to `POST /api/logs` the proxy cuts after the server has answered them. */
let answersToCut = 0;

/** Passes every request on to the server whole; cuts the client's connection instead of an answer. */
function startProxy(target: string): Promise<string> {
  proxy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const isLogBatch = request.method === 'POST' && request.url === '/api/logs';
      if (isLogBatch && body) batchesSent.push(JSON.parse(body.toString('utf8')));
      const answer = await fetch(`${target}${request.url}`, {
        method: request.method,
        headers: { authorization: request.headers.authorization ?? '', 'content-type': 'application/json' },
        body,
      });
      const text = await answer.text();
      if (isLogBatch && answersToCut > 0) {
        answersToCut--;
        request.socket.destroy();
        return;
      }
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(text);
    });
  });
  return new Promise((listening) =>
    proxy.listen(0, '127.0.0.1', () =>
      listening(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`),
    ),
  );
}

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((closed) => (proxy ? proxy.close(closed) : closed(undefined)));
  await server?.stop();
});

describe('a log batch whose answer is lost', () => {
  it('is sent again with the same line keys, and the server stores each line once', async () => {
    const proxied = new EdgeflowClient({
      apiUrl: await startProxy(server.url),
      apiKey: DEV_KEY,
      backoff: { baseMs: 1, maxMs: 5 },
    });
    const errors: string[] = [];
    const shipper = new LogShipper(proxied, { onError: (message) => errors.push(message) });
    const flowRunId = crypto.randomUUID();
    const ownKey = crypto.randomUUID();
    answersToCut = 1;
    for (let index = 0; index < 5; index++) {
      shipper.push({
        flow_run_id: flowRunId,
        level: 20,
        name: 'edgeflow.flow_runs',
        message: `line ${index}`,
        timestamp: new Date().toISOString(),
        ...(index === 0 ? { key: ownKey } : {}),
      });
    }
    await shipper.flush();

    expect(errors).toEqual([]);
    expect(answersToCut).toBe(0);
    // The first send was stored and its answer cut; the resend carried the very same keys.
    expect(batchesSent).toHaveLength(2);
    const [first, resent] = batchesSent.map((batch) => batch.map((line) => line.key));
    expect(resent).toEqual(first);
    expect(first?.[0]).toBe(ownKey);
    expect(new Set(first).size).toBe(5);

    const stored = await server.client.filterLogs({ logs: { flow_run_id: { any_: [flowRunId] } } });
    expect(stored.map((log) => log.message)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    expect(stored.map((log) => log.key)).toEqual(first);
  });
});
