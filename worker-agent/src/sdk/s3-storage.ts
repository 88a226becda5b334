// Results in any S3-compatible bucket (AWS S3, Cloudflare R2, MinIO…), with the keys of a credentials
// block read through the API (`include_secrets=true`) and each request signed with SigV4 (sigv4.ts).
import type { EdgeflowClient } from '../client/index.ts';
import type { ResultStorage } from './result-storage.ts';
import { awsEncode, type SigV4Credentials, sha256Hex, signRequest } from './sigv4.ts';

export const S3_STORAGE = 's3';
/** The system credentials block type (docs/blocks.md); another slug may be given as `<slug>/<name>`. */
export const DEFAULT_CREDENTIALS_BLOCK_TYPE = 's3-credentials';

export interface S3StorageOptions {
  bucket: string;
  /** The credentials block: `<name>` (of type s3-credentials) or `<block type slug>/<name>`. */
  credentials: string;
}

interface S3Access {
  credentials: SigV4Credentials;
  /** Path-style base (`https://<account>.r2.cloudflarestorage.com`), or none for AWS's virtual hosts. */
  endpoint: string | null;
  blockId: string;
}

/** A credentials block's fields, under Prefect's names or the plain ones. */
export function s3AccessFromBlock(data: Record<string, unknown>, blockId: string): S3Access {
  const text = (...names: string[]) => {
    for (const name of names) {
      const value = data[name];
      if (typeof value === 'string' && value !== '') return value;
    }
    return undefined;
  };
  const clientParameters = (data.aws_client_parameters ?? {}) as Record<string, unknown>;
  const accessKeyId = text('aws_access_key_id', 'access_key_id');
  const secretAccessKey = text('aws_secret_access_key', 'secret_access_key');
  if (!accessKeyId || !secretAccessKey) {
    throw new TypeError('The credentials block has no aws_access_key_id and aws_secret_access_key');
  }
  const endpoint =
    text('endpoint_url', 'endpoint') ??
    (typeof clientParameters.endpoint_url === 'string' ? clientParameters.endpoint_url : undefined);
  return {
    credentials: {
      accessKeyId,
      secretAccessKey,
      sessionToken: text('aws_session_token', 'session_token'),
      region: text('region_name', 'region') ?? (endpoint ? 'auto' : 'us-east-1'),
      service: 's3',
    },
    endpoint: endpoint ? endpoint.replace(/\/+$/, '') : null,
    blockId,
  };
}

/** The object's URL: path-style under a custom endpoint, virtual-hosted on AWS. */
export function objectUrl(
  access: Pick<S3Access, 'endpoint' | 'credentials'>,
  bucket: string,
  key: string,
): URL {
  const path = key.split('/').map(awsEncode).join('/');
  if (access.endpoint) return new URL(`${access.endpoint}/${awsEncode(bucket)}/${path}`);
  return new URL(`https://${bucket}.s3.${access.credentials.region}.amazonaws.com/${path}`);
}

function blockReference(reference: string): { slug: string; name: string } {
  const [first, second, ...rest] = reference.split('/');
  if (rest.length > 0 || !first || second === '') {
    throw new TypeError(
      `S3 credentials "${reference}": write <block name> or <block type slug>/<block name>`,
    );
  }
  return second === undefined
    ? { slug: DEFAULT_CREDENTIALS_BLOCK_TYPE, name: first }
    : { slug: first, name: second };
}

/** Read once per process and reused a minute, so a run with many results asks the API once. */
const accessCache = new Map<string, { at: number; access: Promise<S3Access> }>();
const ACCESS_TTL_MS = 60_000;

function accessOf(client: EdgeflowClient, reference: string): Promise<S3Access> {
  const cached = accessCache.get(reference);
  if (cached && Date.now() - cached.at < ACCESS_TTL_MS) return cached.access;
  const { slug, name } = blockReference(reference);
  const access = client.blocks
    .read(slug, name, { includeSecrets: true })
    .then((document) => s3AccessFromBlock(document.data, document.id));
  access.catch(() => accessCache.delete(reference));
  accessCache.set(reference, { at: Date.now(), access });
  return access;
}

async function send(
  access: S3Access,
  method: 'GET' | 'PUT',
  url: URL,
  body: Uint8Array | undefined,
  contentType?: string,
): Promise<Response> {
  const payloadHash = sha256Hex(body ?? '');
  const headers: Record<string, string> = { 'x-amz-content-sha256': payloadHash };
  if (contentType) headers['content-type'] = contentType;
  const signed = signRequest({ method, url, headers, payloadHash }, access.credentials, new Date());
  // A copy over a plain ArrayBuffer, the body type fetch's typings accept.
  const payload = body === undefined ? undefined : new Uint8Array(body);
  return fetch(url, { method, headers: { ...headers, ...signed }, body: payload });
}

/**
 * An S3-compatible bucket. Not tested against a live bucket here (no network in the test
 * environment): the signing is checked against AWS's published SigV4 examples (docs/sdk.md).
 */
export function s3Storage(options: S3StorageOptions): ResultStorage {
  const { bucket, credentials } = options ?? ({} as S3StorageOptions);
  if (typeof bucket !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9.-]{1,62}$/.test(bucket)) {
    throw new TypeError(`s3Storage: "${bucket}" is not a bucket name`);
  }
  if (typeof credentials !== 'string') throw new TypeError('s3Storage: credentials names a block');
  blockReference(credentials);
  return {
    description: { type: S3_STORAGE, bucket, credentials },
    async write(client, key, bytes, contentType) {
      const access = await accessOf(client, credentials);
      const response = await send(access, 'PUT', objectUrl(access, bucket, key), bytes, contentType);
      if (!response.ok) {
        throw new Error(
          `S3 PUT ${bucket}/${key} answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
        );
      }
      return access.blockId;
    },
    async read(client, key) {
      const access = await accessOf(client, credentials);
      const response = await send(access, 'GET', objectUrl(access, bucket, key), undefined);
      if (response.status === 404) return null;
      if (!response.ok) {
        throw new Error(
          `S3 GET ${bucket}/${key} answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
        );
      }
      return Buffer.from(await response.arrayBuffer());
    },
  };
}
