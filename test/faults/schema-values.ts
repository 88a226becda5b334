// Valid values from JSON Schema: what each field of a generated request holds before the fuzz breaks it.
import { randomUUID } from 'node:crypto';
import { RawJson } from './hostile.ts';
import type { JsonSchema } from './openapi.ts';

/** The objects the fuzz addresses: made before it starts, so each route reaches past its 404. */
export interface Fixtures {
  flowId: string;
  flowName: string;
  deploymentId: string;
  deploymentName: string;
  scheduleId: string;
  flowRunId: string;
  taskRunId: string;
  pool: string;
  queue: string;
  webhookId: string;
  webhookSlug: string;
  apiKeyId: string;
  resultKey: string;
  /** A named concurrency limit (inactive, so no request is held waiting for its slots). */
  limitName: string;
  /** A task tag with a limit. */
  limitTag: string;
  /** A lease on a limit of its own (long, so it is still there to renew). */
  leaseId: string;
  blockTypeId: string;
  blockTypeSlug: string;
  blockSchemaId: string;
  blockSchemaChecksum: string;
  blockDocumentId: string;
  blockDocumentName: string;
  variableId: string;
  variableName: string;
  artifactId: string;
  artifactKey: string;
  automationId: string;
  /** A flow run input's key, on the fixture run. */
  inputKey: string;
  /** The `page-token` of a second page of events. */
  eventsPageToken: string;
}

export type Key = string | number;

let counter = 0;
/** A name no earlier request used, so creates do not collide with each other. */
export const uniqueName = (prefix = 'fz') =>
  `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** Values a field's name calls for, so a generated body passes validation and finds real objects. */
function hinted(key: Key | undefined, schema: JsonSchema, fixtures: Fixtures): unknown {
  switch (key) {
    case 'flow_id':
      return fixtures.flowId;
    case 'deployment_id':
      return fixtures.deploymentId;
    case 'flow_run_id':
      return fixtures.flowRunId;
    case 'task_run_id':
      return fixtures.taskRunId;
    case 'parent_task_run_id':
      return undefined;
    case 'block_type_id':
      return fixtures.blockTypeId;
    case 'block_schema_id':
      return fixtures.blockSchemaId;
    case 'work_pool_name':
      return fixtures.pool;
    case 'work_queue_name':
      return fixtures.queue;
    case 'flow_name':
      return uniqueName('fz-flow');
    case 'name':
    case 'task_key':
    case 'dynamic_key':
      return uniqueName();
    case 'slug':
      return uniqueName('fz-slug').toLowerCase();

    case 'entrypoint':
      return 'flows/fuzz.ts:fuzz';
    case 'cron':
      return '0 * * * *';
    case 'rrule':
      return 'FREQ=DAILY';
    case 'interval':
      return 3600;
    case 'timezone':
      return 'UTC';
    case 'scope':
      return 'read';
    case 'level':
      return 20;
    case 'lease_id':
      return undefined;
    case 'page-token':
      return fixtures.eventsPageToken;
    case 'names':
      return [fixtures.limitName];
    case 'wait_seconds':
      return 0;
    // A variable's value: any JSON, which its schema can't describe.
    case 'value':
      return firstType(schema) === undefined && !options(schema) ? { fuzz: true } : undefined;
    // An artifact's data (any JSON); the first type, markdown, takes text.
    case 'data':
      return firstType(schema) === undefined && !options(schema) ? '# fuzz' : undefined;
    case 'id':
      return schema.format === 'uuid' ? randomUUID() : undefined;
    // An event's resource: string labels, its id required (a rule JSON Schema's record can't say).
    case 'resource':
      return { 'prefect.resource.id': uniqueName('fz.resource') };
    default:
      return undefined;
  }
}

/** Arrays a valid body needs non-empty: a report batch holds an item or an event (docs/events.md). */
const NON_EMPTY = new Set<Key>(['items']);

/** Optional fields a valid request needs in practice (a deployment names its flow; a run its pool). */
const WANTED_OPTIONAL = new Set(['flow_name', 'work_pool_name', 'entrypoint']);

export function firstType(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((type: string) => type !== 'null');
  return schema.type;
}

export function options(schema: JsonSchema): JsonSchema[] | undefined {
  const list = schema.anyOf ?? schema.oneOf;
  return list?.filter((option: JsonSchema) => option.type !== 'null');
}

/** A value that satisfies `schema`, with fixtures where the field's name says what it refers to. */
export function sample(schema: JsonSchema, fixtures: Fixtures, key?: Key): unknown {
  if (schema.const !== undefined) return schema.const;
  const hint = hinted(key, schema, fixtures);
  if (schema.enum) return schema.enum.includes(hint) ? hint : schema.enum[0];
  const choices = options(schema);
  if (choices && choices.length > 0) return sample(choices[0]!, fixtures, key);
  if (hint !== undefined) return hint;
  switch (firstType(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set<string>(schema.required ?? []);
      for (const [name, property] of Object.entries(
        (schema.properties ?? {}) as Record<string, JsonSchema>,
      )) {
        // A deployment names its flow by id or by name, never both.
        const wanted = WANTED_OPTIONAL.has(name) && !(name === 'flow_name' && 'flow_id' in out);
        if (required.has(name) || wanted) {
          const value = sample(property, fixtures, name);
          if (value !== undefined) out[name] = value;
        }
      }
      return out;
    }
    case 'array': {
      const count = Math.max(schema.minItems ?? 0, key === undefined || NON_EMPTY.has(key) ? 1 : 0);
      return Array.from({ length: count }, () => sample(schema.items ?? {}, fixtures));
    }
    case 'string':
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'date-time') return new Date().toISOString();
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
      return Math.min(Math.max(1, low), schema.maximum ?? Number.MAX_SAFE_INTEGER);
    }
    case 'boolean':
      return false;
    default:
      return {};
  }
}

/** JSON text of `value`, with every RawJson spliced in as written. */
export function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, item) => {
    if (item instanceof RawJson) {
      raws.push(item.raw);
      return `\u0000raw${raws.length - 1}\u0000`;
    }
    return item;
  });
  return (text ?? '').replace(/"\\u0000raw(\d+)\\u0000"/g, (_match, index) => raws[Number(index)]!);
}

/** A copy of `body` with `value` at `path` (missing objects and arrays on the way are made). */
export function withValue(body: unknown, path: Key[], value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const container: Record<Key, unknown> | unknown[] =
    typeof head === 'number'
      ? Array.isArray(body)
        ? [...body]
        : []
      : body && typeof body === 'object' && !Array.isArray(body)
        ? { ...(body as Record<string, unknown>) }
        : {};
  const target = container as Record<Key, unknown>;
  if (rest.length === 0 && remove) delete target[head!];
  else target[head!] = withValue(target[head!], rest, value, remove);
  return container;
}

export interface Field {
  path: Key[];
  schema: JsonSchema;
  required: boolean;
}

/** Every field of a body schema to `maxDepth`, through objects, array items and union options. */
export function fieldsOf(schema: JsonSchema, path: Key[] = [], depth = 0, out: Field[] = []): Field[] {
  if (depth > 4) return out;
  for (const option of options(schema) ?? []) fieldsOf(option, path, depth + 1, out);
  const type = firstType(schema);
  if (type === 'object') {
    const required = new Set<string>(schema.required ?? []);
    for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
      const fieldPath = [...path, name];
      if (!out.some((field) => field.path.join('.') === fieldPath.join('.')))
        out.push({ path: fieldPath, schema: property, required: required.has(name) });
      fieldsOf(property, fieldPath, depth + 1, out);
    }
  } else if (type === 'array' && schema.items) {
    out.push({ path: [...path, 0], schema: schema.items, required: false });
    fieldsOf(schema.items, [...path, 0], depth + 1, out);
  }
  return out;
}
