// Which serializer, storage and key a result gets: the task's options, else its flow's, else the
// EDGEFLOW_RESULTS_* settings, else JSON in the server's R2 (docs/sdk.md, "Results").

import type { FlowRun } from '../protocol/index.ts';
import { type ResultKeyContext, renderResultKey } from './result-keys.ts';
import { isServerStorage, type ResultStorage, type StorageChoice, storageOf } from './result-storage.ts';
import type { ResultPolicy } from './results.ts';
import { JSON_SERIALIZER, type Serializer, type SerializerChoice, serializerOf } from './serializers.ts';

/** The result options of `task()` and `flow()`. */
export interface ResultOptions {
  /** `json` (default), `structured`, or `{ name, dumps, loads }`. */
  resultSerializer?: SerializerChoice;
  /** `serverStorage()` (default), `localFolderStorage(dir)`, `s3Storage({...})`, or a spec string. */
  resultStorage?: StorageChoice;
  /** A key template such as `reports/{parameters.day}.json`; not inherited by a flow's tasks. */
  resultStorageKey?: string;
}

/** Result options checked and resolved where they are declared; only the ones given are set. */
export interface ResultSettings {
  serializer?: Serializer;
  storage?: ResultStorage;
  keyTemplate?: string;
}

export function resultSettingsOf(options: ResultOptions, where: string): ResultSettings {
  const settings: ResultSettings = {};
  if (options.resultSerializer !== undefined)
    settings.serializer = serializerOf(options.resultSerializer, where);
  if (options.resultStorage !== undefined) settings.storage = storageOf(options.resultStorage, where);
  if (options.resultStorageKey !== undefined) {
    if (typeof options.resultStorageKey !== 'string' || options.resultStorageKey === '') {
      throw new TypeError(`${where}: resultStorageKey must be a non-empty string`);
    }
    settings.keyTemplate = options.resultStorageKey;
  }
  return settings;
}

export const SERIALIZER_SETTING = 'EDGEFLOW_RESULTS_SERIALIZER';
export const STORAGE_SETTING = 'EDGEFLOW_RESULTS_STORAGE';

let fromEnvironment: { serializer: string; storage: string; settings: ResultSettings } | undefined;

/** The process's settings, read again only when the variables change. */
export function environmentResultSettings(env: NodeJS.ProcessEnv = process.env): ResultSettings {
  const serializer = env[SERIALIZER_SETTING] ?? '';
  const storage = env[STORAGE_SETTING] ?? '';
  if (fromEnvironment?.serializer !== serializer || fromEnvironment.storage !== storage) {
    const settings: ResultSettings = {};
    if (serializer) settings.serializer = serializerOf(serializer as SerializerChoice, SERIALIZER_SETTING);
    if (storage) settings.storage = storageOf(storage, STORAGE_SETTING);
    fromEnvironment = { serializer, storage, settings };
  }
  return fromEnvironment.settings;
}

/** The serializers a result may be read back with, besides the built-in ones. */
export function knownSerializers(...levels: (ResultSettings | undefined)[]): Serializer[] {
  const found = [...levels, environmentResultSettings()].map((level) => level?.serializer);
  return found.filter((serializer): serializer is Serializer => serializer !== undefined);
}

export interface PolicyRequest {
  /** The task's or flow's own settings, and the flow's for a task. */
  own: ResultSettings | undefined;
  flow?: ResultSettings;
  persistResult: boolean | undefined;
  /** Whether a result is kept when nothing says so: flows and cached tasks yes, tasks only inline. */
  persistByDefault: boolean | undefined;
  defaultKey: string;
  keyContext: () => ResultKeyContext;
  expiration?: string | null;
}

/**
 * The policy for one result. A result in another serializer, another storage or under a chosen key
 * is always written there (by reference, never inline) and kept unless `persistResult: false`, as
 * Prefect 3 persists a result once its storage, serializer or key is set.
 */
export function resultPolicy(request: PolicyRequest): ResultPolicy {
  const { own, flow } = request;
  const environment = environmentResultSettings();
  const serializer = own?.serializer ?? flow?.serializer ?? environment.serializer ?? JSON_SERIALIZER;
  const storage = own?.storage ?? flow?.storage ?? environment.storage;
  const keyTemplate = own?.keyTemplate;
  const byReference =
    serializer.name !== JSON_SERIALIZER.name ||
    (storage !== undefined && !isServerStorage(storage)) ||
    !!keyTemplate;
  return {
    persist: request.persistResult ?? (byReference ? true : request.persistByDefault),
    storageKey: keyTemplate ? renderResultKey(keyTemplate, request.keyContext()) : request.defaultKey,
    expiration: request.expiration,
    serializer,
    storage,
    byReference,
  };
}

/** A call's arguments by parameter name (`arg<i>` past the names known). */
export function parametersOf(names: readonly string[], args: readonly unknown[]): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  args.forEach((arg, index) => {
    parameters[names[index] ?? `arg${index}`] = arg;
  });
  return parameters;
}

/** A task run's policy: its own settings over its flow's; its cached results are always kept. */
export function taskResultPolicy(
  task: { results?: ResultSettings; persistResult?: boolean; parameterNames: string[] },
  taskRun: { id: string; name: string },
  args: readonly unknown[],
  scope: {
    context: { flowRun: Pick<FlowRun, 'id' | 'name'> };
    flowParameters: Record<string, unknown>;
    flowResults?: ResultSettings;
  },
  cache: { cacheKey: string | null; expiration?: string },
): ResultPolicy {
  const { flowRun } = scope.context;
  return resultPolicy({
    own: task.results,
    flow: scope.flowResults,
    persistResult: task.persistResult,
    persistByDefault: cache.cacheKey !== null ? true : undefined,
    defaultKey: `task-runs/${taskRun.id}`,
    keyContext: () => ({
      parameters: parametersOf(task.parameterNames, args),
      flow_run: { id: flowRun.id, name: flowRun.name, parameters: scope.flowParameters },
      task_run: { id: taskRun.id, name: taskRun.name },
    }),
    expiration: cache.expiration,
  });
}
