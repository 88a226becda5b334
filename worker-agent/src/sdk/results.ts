// Task and flow results: small JSON ones inline in the state's data, others written to their storage
// (R2, a local folder, S3) by their serializer, behind a ResultRecord naming both (docs/sdk.md).
import type { EdgeflowClient } from '../client/index.ts';
import { ResultMissingError } from './errors.ts';
import { checkResultKey } from './result-keys.ts';
import {
  type ResultStorage,
  SERVER_STORAGE,
  type StorageDescription,
  storageOfRecord,
} from './result-storage.ts';
import { JSON_SERIALIZER, type Serializer, serializerNamed } from './serializers.ts';

/** Serialized results up to this many characters travel inline, in the state's `data`. */
export const INLINE_RESULT_LIMIT = 4096;

/**
 * Prefect 3's ResultRecordMetadata (`storage_key`, `serializer: {type}`, `expiration`,
 * `storage_block_id`), plus `storage` when the result is not in the server's R2.
 */
export interface ResultRecord {
  storage_key: string;
  /** A plain string in records written before serializers could be chosen. */
  serializer: { type: string } | string;
  expiration?: string | null;
  /** The credentials block of an S3 storage. */
  storage_block_id?: string | null;
  storage?: StorageDescription;
}

export interface StoredResult {
  /** What the COMPLETED state carries: the value, a ResultRecord, or null. */
  data: unknown;
  /** The value was not kept (too large without persistence, or not serializable): a resumed run re-runs it. */
  untrackable: boolean;
}

export interface ResultPolicy {
  /** true: keep the value whatever its size; false: never keep it; undefined: inline only. */
  persist: boolean | undefined;
  storageKey: string;
  expiration?: string | null;
  /** JSON when absent. */
  serializer?: Serializer;
  /** The server's R2 when absent. */
  storage?: ResultStorage;
  /** Always written to storage, never inline (result-settings.ts decides). */
  byReference?: boolean;
}

const RECORD_KEYS = new Set(['storage_key', 'serializer', 'expiration', 'storage_block_id', 'storage']);

function serializerName(serializer: unknown): string | undefined {
  if (typeof serializer === 'string') return serializer;
  if (typeof serializer === 'object' && serializer !== null) {
    const type = (serializer as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return undefined;
}

/** A state's data that points at a stored result, told apart from an inline value by its exact shape. */
export function isResultRecord(data: unknown): data is ResultRecord {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const record = data as Record<string, unknown>;
  return (
    typeof record.storage_key === 'string' &&
    serializerName(record.serializer) !== undefined &&
    Object.keys(record).every((key) => RECORD_KEYS.has(key))
  );
}

async function writeRecord(
  value: unknown,
  policy: ResultPolicy,
  client: EdgeflowClient,
): Promise<StoredResult> {
  const serializer = policy.serializer ?? JSON_SERIALIZER;
  const storage = policy.storage ?? SERVER_STORAGE;
  let bytes: Uint8Array | undefined;
  try {
    bytes = await serializer.dumps(value);
  } catch (error) {
    if (policy.persist) throw error;
    return { data: null, untrackable: true };
  }
  if (bytes === undefined) return { data: null, untrackable: true };
  const blockId = await storage.write(
    client,
    checkResultKey(policy.storageKey),
    bytes,
    serializer.contentType,
  );
  const record: ResultRecord = { storage_key: policy.storageKey, serializer: { type: serializer.name } };
  if (policy.expiration) record.expiration = policy.expiration;
  if (blockId) record.storage_block_id = blockId;
  if (storage.description) record.storage = storage.description;
  return { data: record, untrackable: false };
}

/** Serializes `value` as the policy says, writing it to its storage when it is not kept inline. */
export async function storeResult(
  client: EdgeflowClient,
  value: unknown,
  policy: ResultPolicy,
): Promise<StoredResult> {
  if (policy.persist === false) return { data: null, untrackable: true };
  if (policy.byReference) return writeRecord(value, policy, client);
  if (value === undefined || value === null) return { data: null, untrackable: false };
  if (typeof value === 'number' || typeof value === 'boolean') {
    return { data: Number.isFinite(value) || typeof value === 'boolean' ? value : null, untrackable: false };
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    if (policy.persist) throw error;
    return { data: null, untrackable: true };
  }
  if (json === undefined) return { data: null, untrackable: true };
  // An inline value shaped like a ResultRecord would be read back as one: store it by reference.
  if (json.length <= INLINE_RESULT_LIMIT && !isResultRecord(value)) {
    return { data: typeof value === 'string' ? value : JSON.parse(json), untrackable: false };
  }
  if (!policy.persist) return { data: null, untrackable: true };
  return writeRecord(value, policy, client);
}

/**
 * The value a COMPLETED state's data stands for: inline as is, or read back from the storage its
 * record names with the serializer it names (a built-in, or one of `known`: the reader's custom ones).
 */
export async function loadResult(
  client: EdgeflowClient,
  data: unknown,
  known: readonly Serializer[] = [],
): Promise<unknown> {
  if (!isResultRecord(data)) return data ?? undefined;
  const name = serializerName(data.serializer)!;
  const serializer = serializerNamed(name, known);
  if (!serializer) {
    throw new ResultMissingError(
      `The result under ${data.storage_key} was written with serializer "${name}", which is not known here: ` +
        'give the task or flow that reads it a resultSerializer of that name.',
    );
  }
  const bytes = await storageOfRecord(data.storage).read(client, checkResultKey(data.storage_key));
  if (bytes === null) throw new ResultMissingError(`No stored result under ${data.storage_key}`);
  return serializer.loads(bytes);
}
