// Calls the real Worker (in this workerd) as an API client would.
import { exports } from 'cloudflare:workers';

export const ADMIN_KEY = 'test-admin-key';

export async function api<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  key: string = ADMIN_KEY,
): Promise<{ status: number; body: T }> {
  const response = await exports.default.fetch(`http://edgeflow.test/api${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // A live stream never ends: a caller of this helper gets its status, the stream closed.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    await response.body?.cancel();
    return { status: response.status, body: null as T };
  }
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function createFlow(name = `flow-${crypto.randomUUID().slice(0, 8)}`): Promise<string> {
  const { body } = await api<{ id: string }>('POST', '/flows', { name });
  return body.id;
}
