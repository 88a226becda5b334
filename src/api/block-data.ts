// Block document data at rest: sealed whole with AES-GCM under a key derived (HKDF) from
// EDGEFLOW_SECRET_KEY, or from EDGEFLOW_API_KEY in local development, and opened into Prefect's
// document shape with secrets hidden unless asked for (docs/prefect-compat.md, "Blocks").
import type { BlockDocument } from 'edgeflow/protocol';
import { type BlockDocumentRow, readBlockSchema } from '../db/blocks';
import { hideSecrets, secretFieldsOf } from '../domain/blocks/secrets';
import type { Env } from '../env';
import { ApiError } from './errors';

const encoder = new TextEncoder();

/** Chunked, so a large document does not spread half a megabyte of arguments into one call. */
function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function dataKey(env: Env): Promise<CryptoKey> {
  const material = env.EDGEFLOW_SECRET_KEY ?? env.EDGEFLOW_API_KEY;
  if (!material) throw new ApiError(503, 'block.no_secret_key', 'Set EDGEFLOW_SECRET_KEY to store blocks.');
  const base = await crypto.subtle.importKey('raw', encoder.encode(material), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: encoder.encode('edgeflow-blocks'),
      info: encoder.encode('block-data-v1'),
    },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

export async function sealBlockData(env: Env, data: Record<string, unknown>): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv },
    await dataKey(env),
    encoder.encode(JSON.stringify(data)),
  );
  return `${base64Url(iv)}.${base64Url(new Uint8Array(sealed))}`;
}

export async function openBlockData(env: Env, cipher: string): Promise<Record<string, unknown>> {
  const [iv, sealed] = cipher.split('.');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64Url(iv!) },
    await dataKey(env),
    fromBase64Url(sealed!),
  );
  return JSON.parse(new TextDecoder().decode(plain));
}

/** A stored document as Prefect returns it, its schema and type nested, secrets hidden unless `includeSecrets`. */
export async function blockDocumentOf(
  env: Env,
  row: BlockDocumentRow,
  { includeSecrets }: { includeSecrets: boolean },
): Promise<BlockDocument> {
  const schema = await readBlockSchema(env.DB, { id: row.blockSchemaId });
  const data = await openBlockData(env, row.dataCipher);
  return {
    id: row.id,
    created: row.created,
    updated: row.updated,
    name: row.name,
    data: includeSecrets ? data : hideSecrets(data, secretFieldsOf(schema?.fields ?? {})),
    block_schema_id: row.blockSchemaId,
    block_schema: schema,
    block_type_id: row.blockTypeId,
    block_type_name: schema?.block_type?.name ?? null,
    block_type: schema?.block_type ?? null,
    block_document_references: {},
    is_anonymous: row.isAnonymous,
  };
}
