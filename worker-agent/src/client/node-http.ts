// One HTTP exchange over Node's own http/https modules with keep-alive connections. Not fetch: Node's
// fetch (undici) costs ~100 ms of CPU to load in each process and about a millisecond more per call, and
// every flow run starts a fresh process whose first call is on the pickup path.
import * as diagnosticsChannel from 'node:diagnostics_channel';
import type * as Http from 'node:http';
import type * as Https from 'node:https';

// Not `import * as http from 'node:http'`: an ES module import of a built-in reads all its exports, and
// node:http's lazy `WebSocket` export loads undici (~70 ms of CPU per process, measured: docs/agent.md).
const http: typeof Http = process.getBuiltinModule('node:http');
/** Loaded on the first https request (TLS is not needed to talk to a local server). */
let https: typeof Https | undefined;

export interface HttpExchange {
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  signal: AbortSignal;
}

export interface HttpReply {
  status: number;
  /** The Retry-After header, when the server sent one. */
  retryAfter: string | null;
  text: string;
  /** The body as received (stored results may be binary). */
  bytes: Buffer;
}

/** Published once a request has been handed to the operating system, so that work can wait for it. */
export const requestWritten = diagnosticsChannel.channel('edgeflow:request:written');

const httpAgent = new http.Agent({ keepAlive: true });
let httpsAgent: Https.Agent | undefined;

/** Sends one request and reads the whole answer; rejects on network failures and on abort. */
export function exchange(url: URL, { method, headers, body, signal }: HttpExchange): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:')
      return reject(new TypeError(`unsupported protocol ${url.protocol}`));
    if (secure) {
      https ??= process.getBuiltinModule('node:https');
      httpsAgent ??= new https.Agent({ keepAlive: true });
    }
    const request = (secure ? https! : http).request(
      url,
      {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
        agent: secure ? httpsAgent : httpAgent,
        signal,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
        });
        response.on('end', () => {
          const retryAfter = response.headers['retry-after'];
          const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          resolve({ status: response.statusCode ?? 0, retryAfter: retryAfter ?? null, text, bytes });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.on('finish', () => {
      if (requestWritten.hasSubscribers) requestWritten.publish({ url: url.href, method });
    });
    request.end(body);
  });
}
