// Task and flow results: small ones inline in the state's data, large ones in R2 behind a ResultRecord.
import type { EdgeflowClient } from '../client/index.ts';
import { ResultMissingError } from './errors.ts';

/** Serialized results up to this many characters travel inline, in the state's `data`. */
export const INLINE_RESULT_LIMIT = 4096;

export interface ResultRecord {
  storage_key: string;
  serializer: string;
  expiration?: string | null;
}

export interface StoredResult {
  /** What the COMPLETED state carries: the value, a ResultRecord, or null. */
  data: unknown;
  /** The value was not kept (too large without persistence, or not JSON): a resumed run re-runs it. */
  untrackable: boolean;
}

export interface ResultPolicy {
  /** true: keep the value whatever its size (R2 when large); false: never keep it; undefined: inline only. */
  persist: boolean | undefined;
  storageKey: string;
  expiration?: string | null;
}

const RECORD_KEYS = new Set(['storage_key', 'serializer', 'expiration']);

/** A state's data that points at a stored result, told apart from an inline value by its exact shape. */
export function isResultRecord(data: unknown): data is ResultRecord {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const record = data as Record<string, unknown>;
  return (
    typeof record.storage_key === 'string' &&
    typeof record.serializer === 'string' &&
    Object.keys(record).every((key) => RECORD_KEYS.has(key))
  );
}

/** Serializes `value` as the policy says, writing it to R2 when it is large and must be kept. */
export async function storeResult(
  client: EdgeflowClient,
  value: unknown,
  policy: ResultPolicy,
): Promise<StoredResult> {
  if (policy.persist === false) return { data: null, untrackable: true };
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
  await client.writeResult(policy.storageKey, json);
  const record: ResultRecord = { storage_key: policy.storageKey, serializer: 'json' };
  if (policy.expiration) record.expiration = policy.expiration;
  return { data: record, untrackable: false };
}

/** The value a COMPLETED state's data stands for: inline as is, or read back from R2. */
export async function loadResult(client: EdgeflowClient, data: unknown): Promise<unknown> {
  if (!isResultRecord(data)) return data ?? undefined;
  const text = await client.readResult(data.storage_key);
  if (text === null) throw new ResultMissingError(`No stored result under ${data.storage_key}`);
  return JSON.parse(text) as unknown;
}
