// Result serializers, key templates, local folder storage, result records and SigV4 signing, pure:
// no server (the signing checked against AWS's published examples, since S3 is out of reach here).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeflowClient } from '../src/client/index.ts';
import { ResultKeyError, renderResultKey, resultKeyProblem } from '../src/sdk/result-keys.ts';
import { environmentResultSettings, resultPolicy, resultSettingsOf } from '../src/sdk/result-settings.ts';
import { localFolderStorage, storageFromSpec } from '../src/sdk/result-storage.ts';
import { isResultRecord, loadResult, storeResult } from '../src/sdk/results.ts';
import { objectUrl, s3AccessFromBlock, s3Storage } from '../src/sdk/s3-storage.ts';
import { STRUCTURED_SERIALIZER, serializerOf } from '../src/sdk/serializers.ts';
import {
  canonicalPath,
  canonicalQuery,
  EMPTY_PAYLOAD_HASH,
  sha256Hex,
  signRequest,
} from '../src/sdk/sigv4.ts';
import { task } from '../src/sdk/task.ts';

const noClient = {} as EdgeflowClient;

/** Values JSON cannot carry, each with its exact type. */
function richValue() {
  return {
    when: new Date('2026-12-07T08:00:00.123Z'),
    invalidDate: new Date(Number.NaN),
    lookup: new Map<unknown, unknown>([
      ['a', 1],
      [2, new Set(['x'])],
    ]),
    tags: new Set([1, 'two', 3n]),
    big: 12345678901234567890n,
    buffer: Buffer.from('héllo'),
    bytes: new Uint8Array([1, 2, 255]),
    floats: new Float64Array([1.5, -0, Number.NaN]),
    bigints: new BigInt64Array([-1n, 2n]),
    view: new Int16Array(new Int16Array([7, 8, 9]).buffer, 2, 2),
    arrayBuffer: new Uint8Array([9, 8]).buffer,
    nothing: undefined,
    nan: Number.NaN,
    negativeZero: -0,
    infinity: -Infinity,
    pattern: /a+b/gi,
    nested: [{ $type: 'not a tag', deep: [new Date(0)] }],
    ['__proto__']: 'a field, not a prototype',
  };
}

describe('the structured serializer', () => {
  it('round-trips Dates, Maps, Sets, BigInts, typed arrays, Buffers and the numbers JSON loses', async () => {
    const value = richValue();
    const bytes = await STRUCTURED_SERIALIZER.dumps(value);
    const back = (await STRUCTURED_SERIALIZER.loads(Buffer.from(bytes!))) as ReturnType<typeof richValue>;
    expect(back).toStrictEqual(value);
    expect(back.when).toBeInstanceOf(Date);
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(back.bytes)).toBe(false);
    expect(back.bigints).toBeInstanceOf(BigInt64Array);
    expect([...back.view]).toEqual([8, 9]);
    expect(Object.is(back.negativeZero, -0)).toBe(true);
    expect('nothing' in back).toBe(true);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
  });

  it('stores readable JSON text, so the result can be read without the SDK', async () => {
    const bytes = await STRUCTURED_SERIALIZER.dumps({ when: new Date(0), n: 1n });
    expect(JSON.parse(Buffer.from(bytes!).toString('utf8'))).toEqual({
      when: { $type: 'Date', value: '1970-01-01T00:00:00.000Z' },
      n: { $type: 'BigInt', value: '1' },
    });
  });

  it('refuses functions and cycles, naming where they are', async () => {
    await expect(STRUCTURED_SERIALIZER.dumps({ a: [() => 1] })).rejects.toThrow('$.a[0]');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(STRUCTURED_SERIALIZER.dumps(cyclic)).rejects.toThrow('cycle (at $.self)');
  });
});

describe('custom serializers', () => {
  it('wraps { name, dumps, loads }, whose dumps may return text or bytes', async () => {
    const reversed = serializerOf(
      {
        name: 'reversed',
        dumps: (value) => String(value).split('').reverse().join(''),
        loads: (b) => b.toString().split('').reverse().join(''),
      },
      'test',
    );
    expect(await reversed.loads(Buffer.from((await reversed.dumps('abc'))!))).toBe('abc');
    const binary = serializerOf(
      { name: 'bin', dumps: () => new Uint8Array([0, 255]), loads: (b) => [...b] },
      'test',
    );
    expect(await binary.loads(Buffer.from((await binary.dumps(null))!))).toEqual([0, 255]);
  });

  it('refuses a serializer without a usable name or functions, where the task is declared', () => {
    expect(() => task(() => 1, { resultSerializer: 'pickle' as 'json' })).toThrow(
      'not one of json, structured',
    );
    const noName = { name: '', dumps: String, loads: String };
    expect(() => task(() => 1, { resultSerializer: noName })).toThrow('needs a name');
    const builtIn = { name: 'json', dumps: String, loads: String };
    expect(() => task(() => 1, { resultSerializer: builtIn })).toThrow('other than json');
    const noLoads = { name: 'x', dumps: String } as unknown as {
      name: string;
      dumps: () => string;
      loads: () => 1;
    };
    expect(() => task(() => 1, { resultSerializer: noLoads })).toThrow('loads(bytes)');
  });
});

describe('result key templates', () => {
  const context = {
    parameters: { day: '2026-12-07', n: 3, when: new Date(0), nested: { region: 'eu' }, bad: 'a/../../etc' },
    flow_run: { id: 'f1', name: 'brave-fox', parameters: {} },
    task_run: { id: 't1', name: 'report-0' },
  };

  it('fills fields from the parameters and the runs, as Prefect 3 formats result_storage_key', () => {
    expect(renderResultKey('reports/{parameters.day}.json', context)).toBe('reports/2026-12-07.json');
    expect(renderResultKey('{flow_run.name}/{task_run.id}-{parameters.n}', context)).toBe('brave-fox/t1-3');
    expect(renderResultKey('{parameters.nested.region}/{ parameters.when }', context)).toBe(
      'eu/1970-01-01T00:00:00.000Z',
    );
  });

  it('refuses keys that would climb out of their folder, and fields that name nothing', () => {
    expect(() => renderResultKey('x/{parameters.bad}', context)).toThrow(ResultKeyError);
    expect(() => renderResultKey('../{parameters.day}', context)).toThrow('".." segment');
    expect(() => renderResultKey('/abs/{parameters.day}', context)).toThrow('empty segment');
    expect(() => renderResultKey('{parameters.missing}', context)).toThrow('names nothing');
    expect(() => renderResultKey('{parameters.nested}', context)).toThrow('not a string');
    expect(() => renderResultKey('{parameters.__proto__}', context)).toThrow('names nothing');
    expect(resultKeyProblem('a b')).toContain('characters outside');
    expect(resultKeyProblem('x'.repeat(513))).toContain('longer');
  });
});

describe('local folder storage', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'edgeflow-results-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('writes under its folder and reads back, null for a missing key, never outside it', async () => {
    const storage = localFolderStorage(folder);
    await storage.write(
      noClient,
      'reports/2026.json',
      new TextEncoder().encode('{"a":1}'),
      'application/json',
    );
    expect(await readFile(join(folder, 'reports/2026.json'), 'utf8')).toBe('{"a":1}');
    expect((await storage.read(noClient, 'reports/2026.json'))?.toString()).toBe('{"a":1}');
    expect(await storage.read(noClient, 'reports/none.json')).toBeNull();
    expect(await readdir(join(folder, 'reports'))).toEqual(['2026.json']);
    await expect(storage.write(noClient, '../escape', new Uint8Array(), '')).rejects.toThrow(ResultKeyError);
    await expect(storage.read(noClient, 'a/../../etc/passwd')).rejects.toThrow(ResultKeyError);
  });

  it('stores a structured result by reference and loads it back through the record', async () => {
    const settings = resultSettingsOf(
      { resultSerializer: 'structured', resultStorage: `local:${folder}` },
      'test',
    );
    const policy = resultPolicy({
      own: settings,
      persistResult: undefined,
      persistByDefault: undefined,
      defaultKey: 'task-runs/abc',
      keyContext: () => ({ parameters: {}, flow_run: { id: 'f', name: 'f', parameters: {} } }),
    });
    expect(policy).toMatchObject({ persist: true, byReference: true, storageKey: 'task-runs/abc' });
    const value = { when: new Date(5), ids: new Set([1n]) };
    const stored = await storeResult(noClient, value, policy);
    expect(stored.data).toEqual({
      storage_key: 'task-runs/abc',
      serializer: { type: 'structured' },
      storage: { type: 'local', basepath: folder },
    });
    expect(isResultRecord(stored.data)).toBe(true);
    expect(await loadResult(noClient, stored.data)).toStrictEqual(value);
  });

  it('reads a custom serializer back only where that serializer is known', async () => {
    const custom = serializerOf(
      { name: 'upper', dumps: (v) => String(v).toUpperCase(), loads: (b) => b.toString() },
      't',
    );
    const policy = {
      persist: true,
      storageKey: 'k/custom',
      serializer: custom,
      storage: localFolderStorage(folder),
      byReference: true,
    };
    const stored = await storeResult(noClient, 'hello', policy);
    expect(stored.data).toMatchObject({ serializer: { type: 'upper' } });
    expect(await loadResult(noClient, stored.data, [custom])).toBe('HELLO');
    await expect(loadResult(noClient, stored.data)).rejects.toThrow('serializer "upper"');
  });
});

describe('result settings', () => {
  it('keeps plain JSON in R2 inline as before, and takes the EDGEFLOW_RESULTS_* settings as defaults', () => {
    const request = {
      own: undefined,
      persistResult: undefined,
      persistByDefault: undefined,
      defaultKey: 'task-runs/x',
      keyContext: () => ({ parameters: {}, flow_run: { id: 'f', name: 'f', parameters: {} } }),
    };
    expect(resultPolicy(request)).toMatchObject({ persist: undefined, byReference: false });
    expect(environmentResultSettings({ EDGEFLOW_RESULTS_SERIALIZER: 'structured' }).serializer?.name).toBe(
      'structured',
    );
    expect(() => environmentResultSettings({ EDGEFLOW_RESULTS_STORAGE: 'ftp://x' })).toThrow(
      'EDGEFLOW_RESULTS_STORAGE',
    );
    expect(environmentResultSettings({}).serializer).toBeUndefined();
  });

  it("lets a task's own choice win over its flow's, and its flow's over the settings", () => {
    const request = {
      persistResult: undefined,
      persistByDefault: undefined,
      defaultKey: 'task-runs/x',
      keyContext: () => ({ parameters: {}, flow_run: { id: 'f', name: 'f', parameters: {} } }),
    };
    const saved = process.env.EDGEFLOW_RESULTS_SERIALIZER;
    process.env.EDGEFLOW_RESULTS_SERIALIZER = 'structured';
    try {
      expect(resultPolicy({ ...request, own: undefined })).toMatchObject({
        persist: true,
        byReference: true,
      });
      expect(resultPolicy({ ...request, own: undefined }).serializer?.name).toBe('structured');
      const json = resultSettingsOf({ resultSerializer: 'json' }, 'flow');
      expect(resultPolicy({ ...request, own: undefined, flow: json }).serializer?.name).toBe('json');
      const custom = resultSettingsOf(
        { resultSerializer: { name: 'c', dumps: String, loads: String } },
        'task',
      );
      expect(resultPolicy({ ...request, own: custom, flow: json }).serializer?.name).toBe('c');
      expect(resultPolicy({ ...request, own: custom, persistResult: false }).persist).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.EDGEFLOW_RESULTS_SERIALIZER;
      else process.env.EDGEFLOW_RESULTS_SERIALIZER = saved;
    }
  });

  it('parses storage specs: server, local:<folder>, s3://<bucket>?credentials=<block>', () => {
    expect(storageFromSpec('server').description).toBeNull();
    expect(storageFromSpec('local:/tmp/r').description).toEqual({ type: 'local', basepath: '/tmp/r' });
    expect(storageFromSpec('s3://my-bucket?credentials=aws-credentials/prod').description).toEqual({
      type: 's3',
      bucket: 'my-bucket',
      credentials: 'aws-credentials/prod',
    });
    expect(() => storageFromSpec('s3://my-bucket')).toThrow('credentials=');
    expect(() => s3Storage({ bucket: 'bucket', credentials: 'a/b/c' })).toThrow('block type slug');
  });

  it('reads records written before serializers had a shape, and tells them from look-alike values', () => {
    expect(isResultRecord({ storage_key: 'k', serializer: 'json' })).toBe(true);
    expect(isResultRecord({ storage_key: 'k', serializer: { type: 'json' }, storage_block_id: null })).toBe(
      true,
    );
    expect(isResultRecord({ storage_key: 'k', serializer: { kind: 'json' } })).toBe(false);
    expect(isResultRecord({ storage_key: 'k', serializer: 'json', extra: 1 })).toBe(false);
  });
});

describe('SigV4, against the examples AWS publishes', () => {
  const suite = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    region: 'us-east-1',
    service: 'service',
  };
  const suiteDate = new Date('2015-08-30T12:36:00Z');
  const s3 = {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    region: 'us-east-1',
    service: 's3',
  };
  const s3Date = new Date('2013-05-24T00:00:00Z');
  const signatureOf = (headers: Record<string, string>) =>
    /Signature=([0-9a-f]{64})$/.exec(headers.authorization!)![1];
  const suiteSign = (method: string, url: string) =>
    signRequest(
      { method, url: new URL(url), headers: {}, payloadHash: EMPTY_PAYLOAD_HASH },
      suite,
      suiteDate,
    );

  it("signs the test suite's get-vanilla, get-vanilla-query-order-key-case and post-vanilla", () => {
    expect(suiteSign('GET', 'https://example.amazonaws.com/').authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    expect(signatureOf(suiteSign('GET', 'https://example.amazonaws.com/?Param2=value2&Param1=value1'))).toBe(
      'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    );
    expect(signatureOf(suiteSign('POST', 'https://example.amazonaws.com/'))).toBe(
      '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    );
  });

  it("signs S3's GET Object, PUT Object, GET Bucket Lifecycle and List Objects examples", () => {
    const get = signRequest(
      {
        method: 'GET',
        url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
        headers: { Range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_PAYLOAD_HASH },
        payloadHash: EMPTY_PAYLOAD_HASH,
      },
      s3,
      s3Date,
    );
    expect(get.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    const body = sha256Hex('Welcome to Amazon S3.');
    expect(body).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const put = signRequest(
      {
        method: 'PUT',
        url: new URL('https://examplebucket.s3.amazonaws.com/test$file.text'),
        headers: {
          Date: 'Fri, 24 May 2013 00:00:00 GMT',
          'x-amz-storage-class': 'REDUCED_REDUNDANCY',
          'x-amz-content-sha256': body,
        },
        payloadHash: body,
      },
      s3,
      s3Date,
    );
    expect(put.authorization).toContain(
      'SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,',
    );
    expect(signatureOf(put)).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
    const bucketGet = (query: string) =>
      signRequest(
        {
          method: 'GET',
          url: new URL(`https://examplebucket.s3.amazonaws.com/?${query}`),
          headers: { 'x-amz-content-sha256': EMPTY_PAYLOAD_HASH },
          payloadHash: EMPTY_PAYLOAD_HASH,
        },
        s3,
        s3Date,
      );
    expect(signatureOf(bucketGet('lifecycle'))).toBe(
      'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
    );
    expect(signatureOf(bucketGet('max-keys=2&prefix=J'))).toBe(
      '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    );
  });

  it('encodes paths once and sorts query parameters, as S3 canonicalizes them', () => {
    expect(canonicalPath('/test$file.text')).toBe('/test%24file.text');
    expect(canonicalPath('/a%20b/c d')).toBe('/a%20b/c%20d');
    expect(canonicalQuery('?b=2&a=1&a=0&lifecycle')).toBe('a=0&a=1&b=2&lifecycle=');
  });

  it("reads a credentials block under Prefect's field names and addresses the bucket path-style under an endpoint", () => {
    const access = s3AccessFromBlock(
      {
        aws_access_key_id: 'id',
        aws_secret_access_key: 'secret',
        aws_client_parameters: { endpoint_url: 'https://acct.r2.cloudflarestorage.com/' },
      },
      'block-id',
    );
    expect(access.credentials.region).toBe('auto');
    expect(objectUrl(access, 'results', 'reports/2026.json').href).toBe(
      'https://acct.r2.cloudflarestorage.com/results/reports/2026.json',
    );
    const aws = s3AccessFromBlock(
      { access_key_id: 'id', secret_access_key: 's', region_name: 'eu-west-1' },
      'b',
    );
    expect(objectUrl(aws, 'results', 'a/b').href).toBe('https://results.s3.eu-west-1.amazonaws.com/a/b');
    expect(() => s3AccessFromBlock({ aws_access_key_id: 'id' }, 'b')).toThrow('aws_secret_access_key');
  });
});
