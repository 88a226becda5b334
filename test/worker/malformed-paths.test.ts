// A path parameter that is not valid percent-encoded UTF-8 gets 400 naming the parameter, never a 500.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY } from './api';

async function call(method: string, path: string, body?: string) {
  const response = await exports.default.fetch(`http://edgeflow.test/api${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'text/plain' },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : null) as { code: string; field: string },
  };
}

describe('malformed percent-escapes in the path', () => {
  it('answers PUT /api/results/%ZZ with 400 naming key', async () => {
    const { status, body } = await call('PUT', '/results/%ZZ', 'x');
    expect(status).toBe(400);
    expect(body).toEqual(expect.objectContaining({ code: 'request.malformed_path', field: 'key' }));
    expect((await call('GET', '/results/nested/%E0%A4')).body.field).toBe('key');
  });

  it('names the parameter on every kind of route', async () => {
    for (const [method, path, field] of [
      ['GET', '/work_pools/%ZZ', 'name'],
      ['GET', '/work_pools/%ED%A0%80', 'name'],
      ['DELETE', '/work_pools/pool/queues/%E0%A4', 'name'],
      ['GET', '/work_pools/%FF/queues/default', 'pool'],
      ['GET', '/flow_runs/%ZZ', 'id'],
      ['GET', '/flows/name/%C3', 'name'],
      ['GET', '/deployments/name/%ZZ/x', 'flow'],
      ['POST', '/webhooks/%ZZ', 'slug'],
    ] as const) {
      const { status, body } = await call(method, path);
      expect({ method, path, status, field: body.field }).toEqual({ method, path, status: 400, field });
    }
  });

  it('still stores and reads results under nested keys', async () => {
    expect((await call('PUT', '/results/runs/r1/a%3Ab.json', '{"v":1}')).status).toBe(201);
    const response = await exports.default.fetch('http://edgeflow.test/api/results/runs/r1/a:b.json', {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(await response.text()).toBe('{"v":1}');
  });
});
