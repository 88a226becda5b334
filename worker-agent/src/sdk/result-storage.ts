// Where persisted results go: the server's R2 (the default), a local folder, or an S3-compatible
// bucket through a credentials block (s3-storage.ts). A stored result's record says which, so a cache
// hit or a resumed run reads it from where it was written, whatever the reader's own settings.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { EdgeflowClient } from '../client/index.ts';
import { checkResultKey } from './result-keys.ts';
import { S3_STORAGE, type S3StorageOptions, s3Storage } from './s3-storage.ts';

/** How a ResultRecord names its storage; absent means the server's R2. */
export type StorageDescription =
  | { type: 'local'; basepath: string }
  | { type: 's3'; bucket: string; credentials: string };

export interface ResultStorage {
  /** null for the server's R2. */
  readonly description: StorageDescription | null;
  /** Stores the bytes; gives back the credentials block's id when there is one (Prefect's storage_block_id). */
  write(client: EdgeflowClient, key: string, bytes: Uint8Array, contentType: string): Promise<string | null>;
  /** The bytes under `key`, or null when there are none. */
  read(client: EdgeflowClient, key: string): Promise<Buffer | null>;
}

/** What `resultStorage` accepts: a storage from the functions below, or its spec string (as the setting). */
export type StorageChoice = ResultStorage | string;

export const SERVER_STORAGE: ResultStorage = {
  description: null,
  async write(client, key, bytes, contentType) {
    await client.writeResult(key, bytes, contentType);
    return null;
  },
  read(client, key) {
    return client.readResultBytes(key);
  },
};

/** The server's R2, through `PUT/GET /api/results/{key}`: the default. */
export function serverStorage(): ResultStorage {
  return SERVER_STORAGE;
}

/** The file of `key` under `basepath`, refused if it would land outside it. */
function fileOf(basepath: string, key: string): string {
  const file = resolve(basepath, checkResultKey(key));
  const inside = relative(basepath, file);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw new TypeError(`Result key "${key}" would leave the result folder ${basepath}.`);
  }
  return file;
}

/**
 * A folder on the machine that runs the flow (relative paths from the current directory). Only an
 * agent that sees the same folder can read these results back: a run resumed elsewhere needs a
 * shared mount.
 */
export function localFolderStorage(path: string): ResultStorage {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError('localFolderStorage: the folder path is empty');
  }
  const basepath = resolve(path);
  return {
    description: { type: 'local', basepath },
    async write(_client, key, bytes) {
      const file = fileOf(basepath, key);
      await mkdir(dirname(file), { recursive: true });
      // Written beside and renamed: a reader never sees half a result.
      const temporary = `${file}.${randomUUID()}.partial`;
      try {
        await writeFile(temporary, bytes);
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      return null;
    },
    async read(_client, key) {
      try {
        return await readFile(fileOf(basepath, key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
  };
}

/**
 * A storage from its spec, as `resultStorage` strings and EDGEFLOW_RESULTS_STORAGE give it:
 * `server`, `local:<folder>`, or `s3://<bucket>?credentials=<block type slug>/<block name>`.
 */
export function storageFromSpec(spec: string): ResultStorage {
  const text = spec.trim();
  if (text === 'server' || text === 'r2') return SERVER_STORAGE;
  if (text.startsWith('local:')) return localFolderStorage(text.slice('local:'.length));
  if (text.startsWith('s3://')) {
    const url = new URL(text);
    const credentials = url.searchParams.get('credentials');
    if (!url.hostname || !credentials) {
      throw new TypeError(
        `Result storage "${spec}": write s3://<bucket>?credentials=<block type>/<block name>`,
      );
    }
    return s3Storage({ bucket: url.hostname, credentials });
  }
  throw new TypeError(
    `Result storage "${spec}" is not server, local:<folder> or s3://<bucket>?credentials=<block type>/<name>`,
  );
}

export function storageOf(choice: StorageChoice, where: string): ResultStorage {
  if (typeof choice === 'string') {
    try {
      return storageFromSpec(choice);
    } catch (error) {
      throw new TypeError(`${where}: ${(error as Error).message}`);
    }
  }
  if (!choice || typeof choice.write !== 'function' || typeof choice.read !== 'function') {
    throw new TypeError(
      `${where}: resultStorage is not a storage (serverStorage, localFolderStorage, s3Storage)`,
    );
  }
  return choice;
}

/** The storage a stored result's record names. */
export function storageOfRecord(description: unknown): ResultStorage {
  if (description === undefined || description === null) return SERVER_STORAGE;
  const found = description as Partial<Record<string, unknown>>;
  if (found.type === 'local' && typeof found.basepath === 'string') return localFolderStorage(found.basepath);
  if (
    found.type === S3_STORAGE &&
    typeof found.bucket === 'string' &&
    typeof found.credentials === 'string'
  ) {
    return s3Storage({ bucket: found.bucket, credentials: found.credentials } satisfies S3StorageOptions);
  }
  throw new TypeError(
    `A stored result names a storage this SDK does not know: ${JSON.stringify(description)}`,
  );
}

/** Same place, told apart by description: results in it may stay inline (the server's R2) or not. */
export function isServerStorage(storage: ResultStorage): boolean {
  return storage.description === null;
}
