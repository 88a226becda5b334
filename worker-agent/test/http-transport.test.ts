// The client's HTTP transport (node:http, keep-alive) against a scripted local server: what it sends,
// which failures it retries, and what it raises for the others.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, ApiUnavailableError, StaleLeaseError } from '../src/client/errors.ts';
import { HttpTransport } from '../src/client/http.ts';
import { requestWritten } from '../src/client/node-http.ts';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let server: Server | null = null;

/** A server that answers the n-th request with `handlers[n]` (the last one repeats). */
async function scripted(
  handlers: Handler[],
): Promise<{ url: string; received: { method: string; body: string }[] }> {
  const received: { method: string; body: string }[] = [];
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ method: request.method ?? '', body });
      handlers[Math.min(received.length - 1, handlers.length - 1)]!(request, body, response);
    });
  });
  await new Promise<void>((listening) => server!.listen(0, '127.0.0.1', listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const json =
  (status: number, value: unknown, headers: Record<string, string> = {}): Handler =>
  (_request, _body, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(value));
  };

const transport = (url: string, timeoutMs = 5_000) =>
  new HttpTransport({
    apiUrl: url,
    apiKey: 'k',
    maxAttempts: 3,
    backoff: { baseMs: 1, maxMs: 5 },
    timeoutMs,
  });

const Answer = z.object({ ok: z.boolean() });

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((closed) => (server ? server.close(closed) : closed(undefined)));
  server = null;
});

describe('the HTTP transport', () => {
  it('sends a JSON body whole (multi-byte characters included) with the key, and parses the answer', async () => {
    let headers: IncomingMessage['headers'] = {};
    const { url, received } = await scripted([
      (request, body, response) => {
        headers = request.headers;
        json(200, { ok: JSON.parse(body).name === 'héllo wörld ✓' })(request, body, response);
      },
    ]);
    const answer = await transport(url).request('POST', '/api/x', {
      body: { name: 'héllo wörld ✓' },
      schema: Answer,
    });
    expect(answer).toEqual({ ok: true });
    expect(received).toHaveLength(1);
    expect(headers.authorization).toBe('Bearer k');
    expect(headers['content-type']).toBe('application/json');
    expect(Number(headers['content-length'])).toBe(Buffer.byteLength(received[0]!.body));
  });

  it('retries a 503 and a connection cut mid-request, then succeeds', async () => {
    const { url, received } = await scripted([
      json(503, { code: 'unavailable' }, { 'retry-after': '0' }),
      (request) => request.socket.destroy(),
      json(200, { ok: true }),
    ]);
    expect(await transport(url).request('GET', '/api/x', { schema: Answer })).toEqual({ ok: true });
    expect(received).toHaveLength(3);
  });

  it('raises an API error naming the field for a 4xx, without retrying; a leased 409 is a stale lease', async () => {
    const { url, received } = await scripted([
      json(422, { code: 'validation_error', detail: 'bad name', field: 'name' }),
      json(409, { code: 'flow_run.stale_lease', detail: 'moved' }),
    ]);
    const invalid = await transport(url)
      .request('POST', '/api/x', { body: {}, schema: Answer })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(ApiError);
    expect(invalid).toMatchObject({ status: 422, code: 'validation_error', field: 'name' });
    const stale = await transport(url)
      .request('POST', '/api/y', { body: {}, schema: Answer, leased: true })
      .catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(StaleLeaseError);
    expect(received).toHaveLength(2);
  });

  it('gives up after its attempts when no answer comes in time, and says it timed out', async () => {
    const { url, received } = await scripted([() => undefined]);
    const failure = await transport(url, 100)
      .request('GET', '/api/x', { schema: Answer })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiUnavailableError);
    expect((failure as Error).message).toMatch(/failed 3 times; last: TimeoutError: no answer within 100 ms/);
    expect(received).toHaveLength(3);
  });

  it('makes one attempt when a call asks for one', async () => {
    const { url, received } = await scripted([json(503, { code: 'unavailable' })]);
    const failure = await transport(url)
      .request('POST', '/api/x', { body: {}, schema: Answer, attempts: 1 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiUnavailableError);
    expect(received).toHaveLength(1);
  });

  it('stops at once, without retrying, when its caller aborts', async () => {
    const { url, received } = await scripted([() => undefined]);
    const controller = new AbortController();
    const call = transport(url).request('GET', '/api/x', { schema: Answer, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stopping')), 50);
    await expect(call).rejects.toThrow('stopping');
    expect(received).toHaveLength(1);
  });

  it('tells subscribers once a request is written', async () => {
    const { url } = await scripted([json(200, { ok: true })]);
    const written: string[] = [];
    const listener = (message: unknown) => written.push((message as { method: string }).method);
    requestWritten.subscribe(listener);
    try {
      await transport(url).request('POST', '/api/x', { body: {}, schema: Answer });
    } finally {
      requestWritten.unsubscribe(listener);
    }
    expect(written).toEqual(['POST']);
  });
});
