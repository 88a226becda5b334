// Block.load and Secret.load against an HTTP server standing in for the API: secrets are asked for,
// a loaded Secret prints only its placeholder, and a bad reference or a missing block says which.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Block, BlockNotFoundError, Secret } from '../src/sdk/index.ts';

const asked: string[] = [];
const NOW = '2026-01-01T00:00:00Z';
const ID = '00000000-0000-4000-8000-000000000001';
let server: Server;
const saved = { url: process.env.EDGEFLOW_API_URL, key: process.env.EDGEFLOW_API_KEY };

function documentOf(data: Record<string, unknown>) {
  return {
    id: ID,
    created: NOW,
    updated: NOW,
    name: 'x',
    data,
    block_schema_id: ID,
    block_schema: null,
    block_type_id: ID,
    block_type_name: null,
    block_type: null,
    block_document_references: {},
    is_anonymous: false,
  };
}

beforeAll(async () => {
  server = createServer((request, response) => {
    asked.push(request.url ?? '');
    const found: Record<string, Record<string, unknown>> = {
      '/api/block_types/slug/secret/block_documents/name/db-password?include_secrets=true': {
        value: 'hunter2',
      },
      '/api/block_types/slug/s3-credentials/block_documents/name/results?include_secrets=true': {
        bucket_name: 'results',
        aws_secret_access_key: 'k',
      },
    };
    const data = found[request.url ?? ''];
    response.writeHead(data ? 200 : 404, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify(data ? documentOf(data) : { detail: 'not found', code: 'block_document.not_found' }),
    );
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  process.env.EDGEFLOW_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.EDGEFLOW_API_KEY = 'agent-key';
});

afterAll(async () => {
  if (saved.url === undefined) delete process.env.EDGEFLOW_API_URL;
  else process.env.EDGEFLOW_API_URL = saved.url;
  if (saved.key === undefined) delete process.env.EDGEFLOW_API_KEY;
  else process.env.EDGEFLOW_API_KEY = saved.key;
  await new Promise((closed) => server.close(closed));
});

describe('Block.load', () => {
  it("returns the document's data, secrets included", async () => {
    expect(await Block.load('s3-credentials/results')).toEqual({
      bucket_name: 'results',
      aws_secret_access_key: 'k',
    });
  });

  it('refuses a reference that is not <type>/<name> before any request', async () => {
    const before = asked.length;
    await expect(Block.load('Secret/x')).rejects.toThrow(TypeError);
    await expect(Block.load('secret')).rejects.toThrow(TypeError);
    expect(asked.length).toBe(before);
  });

  it('names the missing block', async () => {
    await expect(Block.load('secret/nope')).rejects.toThrow(BlockNotFoundError);
    await expect(Block.load('secret/nope')).rejects.toThrow('nope');
  });
});

describe('Secret.load', () => {
  it('gives the value with get(), and prints, inspects and serialises as the placeholder', async () => {
    const secret = await Secret.load('db-password');
    expect(secret.get()).toBe('hunter2');
    expect(`${secret}`).toBe('********');
    expect(JSON.stringify({ secret })).toBe('{"secret":"********"}');
    expect(inspect(secret)).not.toContain('hunter2');
  });
});
