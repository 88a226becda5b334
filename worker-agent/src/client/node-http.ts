// One HTTP exchange over Node's own http/https modules with keep-alive connections. Not fetch: Node's
// fetch (undici) costs ~100 ms of CPU to load in each process and about a millisecond more per call, and
// every flow run starts a fresh process whose first call is on the pickup path.
import * as diagnosticsChannel from 'node:diagnostics_channel';
import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpExchange {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
}

export interface HttpReply {
  status: number;
  /** The Retry-After header, when the server sent one. */
  retryAfter: string | null;
  text: string;
}

/** Published once a request has been handed to the operating system, so that work can wait for it. */
export const requestWritten = diagnosticsChannel.channel('edgeflow:request:written');

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/** Sends one request and reads the whole answer; rejects on network failures and on abort. */
export function exchange(url: URL, { method, headers, body, signal }: HttpExchange): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:')
      return reject(new TypeError(`unsupported protocol ${url.protocol}`));
    const request = (secure ? https : http).request(
      url,
      {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
        agent: agents[url.protocol as 'http:' | 'https:'],
        signal,
      },
      (response) => {
        response.setEncoding('utf8');
        let text = '';
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          const retryAfter = response.headers['retry-after'];
          resolve({ status: response.statusCode ?? 0, retryAfter: retryAfter ?? null, text });
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
