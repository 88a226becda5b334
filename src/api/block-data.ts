// Block document data at rest: sealed whole under EDGEFLOW_SECRET_KEY (src/api/sealed-secrets.ts), and
// opened into Prefect's document shape with secrets hidden unless asked for (docs/blocks.md).
import type { BlockDocument } from 'edgeflow/protocol';
import { type BlockDocumentRow, readBlockSchema } from '../db/blocks';
import { hideSecrets, secretFieldsOf } from '../domain/blocks/secrets';
import type { Env } from '../env';
import { openSecret, sealSecret } from './sealed-secrets';

export async function sealBlockData(env: Env, data: Record<string, unknown>): Promise<string> {
  return sealSecret(env, 'blockData', JSON.stringify(data));
}

export async function openBlockData(env: Env, cipher: string): Promise<Record<string, unknown>> {
  return JSON.parse(await openSecret(env, 'blockData', cipher));
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
