// Fuzz cases from the OpenAPI document: a valid request per route, then that request broken one way at a time.
import {
  deepArray,
  deepObject,
  HOSTILE_DATES,
  HOSTILE_NUMBERS,
  HOSTILE_SCHEDULE_FIELDS,
  HOSTILE_STRINGS,
  HOSTILE_UUIDS,
  type Hostile,
  RawJson,
} from './hostile.ts';
import { label, type Operation } from './openapi.ts';
import {
  type Field,
  type Fixtures,
  fieldsOf,
  firstType,
  options,
  sample,
  toJson,
  uniqueName,
  withValue,
} from './schema-values.ts';

export type { Fixtures } from './schema-values.ts';

export interface RequestSpec {
  method: string;
  /** Already encoded: bad escapes are sent as written. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface FuzzCase {
  operation: Operation;
  /** What is broken, e.g. `body.flow_runs.name.like_ = 49 chars`. */
  what: string;
  /** `huge` (5 and 20 MB bodies), `schedule-bomb` (counted against the hang budget). */
  tag?: 'huge' | 'schedule-bomb';
  build(fixtures: Fixtures): RequestSpec;
}

const WRONG_TYPES: Record<string, Hostile[]> = {
  string: [
    { label: 'a number', value: 0 },
    { label: 'a boolean', value: true },
    { label: 'an object', value: {} },
    { label: 'an array', value: ['x'] },
  ],
  number: [
    { label: 'a numeric string', value: '1' },
    { label: 'a boolean', value: true },
    { label: 'an array', value: [1] },
  ],
  boolean: [
    { label: 'the string true', value: 'true' },
    { label: 'one', value: 1 },
  ],
  object: [
    { label: 'a string', value: 'x' },
    { label: 'an array', value: [] },
    { label: 'a number', value: 1 },
    { label: '65 levels deep', value: deepObject(65) },
    { label: '1,000 levels deep', value: deepObject(1_000) },
    {
      label: 'a __proto__ key',
      value: new RawJson('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
    },
  ],
  array: [
    { label: 'an object', value: {} },
    { label: 'a string', value: 'x' },
    { label: '10,000 items', value: new RawJson(`[${Array(10_000).fill('"x"').join(',')}]`) },
  ],
};

function valuesFor(field: Field): Hostile[] {
  const key = field.path[field.path.length - 1];
  const values: Hostile[] = [{ label: 'null', value: null }];
  if (typeof key === 'string' && HOSTILE_SCHEDULE_FIELDS[key]) values.push(...HOSTILE_SCHEDULE_FIELDS[key]);
  const type = firstType(field.schema) ?? (options(field.schema) ? 'union' : 'any');
  if (type === 'string') {
    if (field.schema.format === 'uuid') values.push(...HOSTILE_UUIDS);
    if (field.schema.format === 'date-time') values.push(...HOSTILE_DATES);
    values.push(...HOSTILE_STRINGS, ...WRONG_TYPES.string!);
  } else if (type === 'integer' || type === 'number') {
    values.push(...HOSTILE_NUMBERS, ...WRONG_TYPES.number!);
  } else if (type === 'boolean') {
    values.push(...WRONG_TYPES.boolean!);
  } else if (type === 'object' || type === 'any' || type === 'union') {
    values.push(...WRONG_TYPES.object!);
  } else if (type === 'array') {
    values.push(...WRONG_TYPES.array!);
  }
  return values;
}

/** Bad values for a path parameter, written already percent-encoded (or deliberately mis-encoded). */
const BAD_PATH_VALUES: Hostile[] = [
  { label: 'bad percent escape', value: '%ZZ' },
  { label: 'truncated escape', value: 'abc%' },
  { label: 'encoded NUL', value: '%00' },
  { label: 'lone surrogate as UTF-8', value: 'lone%ED%A0%80pool' },
  { label: 'overlong UTF-8', value: '%C0%AF' },
  { label: 'encoded slash', value: 'a%2Fb' },
  { label: 'dot dot', value: '%2E%2E' },
  { label: 'unicode', value: encodeURIComponent('Ünïcødé😀') },
  { label: '10,000 chars', value: 'a'.repeat(10_000) },
  { label: 'unknown uuid', value: '3f1e8a0c-5b7d-4c2e-9a61-0d4b2c8e7f10' },
  { label: 'uuid-ish', value: '3f1e8a0c-5b7d-4c2e-9a61' },
  { label: 'minus one', value: '-1' },
  { label: 'space', value: '%20' },
];

const BAD_QUERY_VALUES = ['-1', '0', '1e400', 'abc', '99999999999999999999', 'NaN', '%ZZ', '1.5', ''];

/** The path a route is called on with its fixtures, or with `override` for one parameter. */
export function pathFor(
  operation: Operation,
  fixtures: Fixtures,
  override?: { name: string; encoded: string },
): string {
  const value = (name: string): string => {
    if (override?.name === name) return override.encoded;
    const { path } = operation;
    let plain: string;
    if (path.startsWith('/api/flows/name/')) plain = fixtures.flowName;
    else if (path.startsWith('/api/flows/')) plain = fixtures.flowId;
    else if (path.startsWith('/api/flow_runs/'))
      plain = name === 'key' ? fixtures.inputKey : fixtures.flowRunId;
    else if (path.startsWith('/api/task_runs/')) plain = fixtures.taskRunId;
    else if (path.includes('/block_documents/name/'))
      plain = name === 'slug' ? fixtures.blockTypeSlug : fixtures.blockDocumentName;
    else if (path.startsWith('/api/block_types/slug/')) plain = fixtures.blockTypeSlug;
    else if (path.startsWith('/api/block_types/')) plain = fixtures.blockTypeId;
    else if (path.startsWith('/api/block_schemas/checksum/')) plain = fixtures.blockSchemaChecksum;
    else if (path.startsWith('/api/block_schemas/')) plain = fixtures.blockSchemaId;
    else if (path.startsWith('/api/block_documents/')) plain = fixtures.blockDocumentId;
    else if (path.startsWith('/api/variables/name/')) plain = fixtures.variableName;
    else if (path.startsWith('/api/variables/')) plain = fixtures.variableId;
    else if (path.startsWith('/api/artifacts/'))
      plain = name === 'key' ? fixtures.artifactKey : fixtures.artifactId;
    else if (path.startsWith('/api/api_keys/')) plain = fixtures.apiKeyId;
    else if (path.startsWith('/api/automations/owned-by/'))
      plain = `prefect.deployment.${fixtures.deploymentId}`;
    else if (path.startsWith('/api/automations/')) plain = fixtures.automationId;
    else if (path.startsWith('/api/results/')) plain = fixtures.resultKey;
    else if (path.startsWith('/api/concurrency_limits/tag/')) plain = fixtures.limitTag;
    else if (path.startsWith('/api/v2/concurrency_limits/'))
      plain = name === 'lease_id' ? fixtures.leaseId : fixtures.limitName;
    else if (path.startsWith('/api/webhooks/'))
      plain = name === 'slug' ? fixtures.webhookSlug : fixtures.webhookId;
    else if (path.startsWith('/api/work_pools/'))
      plain = name === 'name' && path.includes('/queues/') ? fixtures.queue : fixtures.pool;
    else if (path.startsWith('/api/deployments/name/'))
      plain = name === 'flow' ? fixtures.flowName : fixtures.deploymentName;
    else if (name === 'schedule_id') plain = fixtures.scheduleId;
    else if (name === 'countable') plain = 'event';
    else plain = fixtures.deploymentId;
    return name === 'key' ? plain : encodeURIComponent(plain);
  };
  return operation.path.replace(/\{([^}]+)\}/g, (_match, name: string) => value(name));
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function request(operation: Operation, path: string, body?: string | Buffer, headers = {}): RequestSpec {
  const hasBody = body !== undefined && operation.method !== 'GET';
  return {
    method: operation.method,
    path,
    headers: hasBody ? { ...JSON_HEADERS, ...headers } : headers,
    body: hasBody ? body : undefined,
  };
}

/** `path` with the operation's required query parameters, valid (`?flow_run_id=<the fixture run>`). */
function withRequiredQuery(operation: Operation, fixtures: Fixtures, path: string): string {
  const query = operation.params
    .filter((param) => param.in === 'query' && param.required)
    .map(
      (param) => `${param.name}=${encodeURIComponent(String(sample(param.schema, fixtures, param.name)))}`,
    );
  return query.length > 0 ? `${path}?${query.join('&')}` : path;
}

/**
 * What a route's valid body needs beyond its schema (a rule across fields, a JSON text, a condition
 * that keeps a bulk delete from matching everything): without it the valid request is refused, and
 * its broken variants stop at that refusal instead of reaching the route's own checks.
 */
const BODY_ADDITIONS: Record<string, (fixtures: Fixtures) => Record<string, unknown>> = {
  'POST /api/flow_runs/delete': () => ({ flow_runs: { name: { any_: ['fz-no-run-has-this-name'] } } }),
  'POST /api/flow_runs/{id}/input': () => ({ value: '"fuzz"' }),
  'POST /api/webhooks': (fixtures) => ({ deployment_id: fixtures.deploymentId }),
  'POST /api/block_documents': () => ({ name: uniqueName('fz-document') }),
};

/** A valid body for `operation`: its schema's sample, plus what the route needs beyond it. */
function sampleBody(operation: Operation, fixtures: Fixtures): unknown {
  const base = sample(operation.body!, fixtures);
  const extra = BODY_ADDITIONS[label(operation)];
  return extra && base && typeof base === 'object' && !Array.isArray(base)
    ? { ...base, ...extra(fixtures) }
    : base;
}

/** A valid request for `operation` (for GET and DELETE, the path and its required query alone). */
export function validRequest(operation: Operation, fixtures: Fixtures): RequestSpec {
  const path = withRequiredQuery(operation, fixtures, pathFor(operation, fixtures));
  if (!operation.body) return request(operation, path);
  if (operation.undocumented) return request(operation, path, '{"fuzz":true}');
  return request(operation, path, toJson(sampleBody(operation, fixtures)));
}

/** A huge JSON body: a valid one with a string field (or an extra one) grown to `bytes`. */
function hugeBody(operation: Operation, fixtures: Fixtures, bytes: number): string {
  const base = sampleBody(operation, fixtures);
  const filler = 'x'.repeat(bytes);
  if (Array.isArray(base)) return toJson([...base, filler]);
  return toJson({ ...(base as object), fuzz_filler: filler });
}

/** Every case for one route; `huge` says whether it also gets the 5 and 20 MB bodies. */
export function casesFor(operation: Operation, options: { huge: boolean }): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const add = (what: string, build: FuzzCase['build'], tag?: FuzzCase['tag']) =>
    cases.push({ operation, what, build, tag });

  for (const param of operation.params) {
    if (param.in === 'path') {
      for (const bad of BAD_PATH_VALUES) {
        add(`path ${param.name} = ${bad.label}`, (f) =>
          validRequestAt(
            operation,
            f,
            pathFor(operation, f, { name: param.name, encoded: String(bad.value) }),
          ),
        );
      }
    } else if (param.in === 'query') {
      for (const bad of BAD_QUERY_VALUES) {
        add(`query ${param.name} = ${JSON.stringify(bad)}`, (f) =>
          validRequestAt(operation, f, `${pathFor(operation, f)}?${param.name}=${bad}`),
        );
      }
    }
  }
  if (!operation.body || operation.method === 'GET') return cases;

  const base = (f: Fixtures) => sampleBody(operation, f);
  const at = (f: Fixtures) => pathFor(operation, f);
  const raw = (what: string, text: string | Buffer | undefined, headers: Record<string, string> = {}) =>
    add(what, (f) => request(operation, at(f), text, headers));

  raw('no body', undefined);
  raw('empty body', '');
  for (const text of ['null', '[]', '"x"', '0', 'true', '{', '{"a":', '{}{}', '\u0000'])
    raw(`body ${JSON.stringify(text)}`, text);
  raw('invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
  add('byte-order mark', (f) => request(operation, at(f), `\ufeff${toJson(base(f))}`));
  add('body 100,000 levels deep (objects)', (f) => request(operation, at(f), deepObject(100_000).raw));
  add('body 100,000 levels deep (arrays)', (f) => request(operation, at(f), deepArray(100_000).raw));
  add('body 1,000 levels deep', (f) => request(operation, at(f), deepObject(1_000).raw));
  add('an unknown field', (f) => request(operation, at(f), toJson(withValue(base(f), ['fuzz_unknown'], 1))));
  add('duplicate keys', (f) => {
    const text = toJson(base(f));
    // The first key again, first with a wrong value: `{"k":0,"k":<valid>,…}` and the reverse.
    const match = /^\{"([^"]+)":/.exec(text);
    return request(operation, at(f), match ? `{"${match[1]}":{"a":[0]},${text.slice(1)}` : text);
  });
  add('duplicate keys, valid value second', (f) => {
    const text = toJson(base(f));
    const match = /^\{"([^"]+)":("[^"]*"|[^,}]*)/.exec(text);
    return request(operation, at(f), match ? `${text.slice(0, -1)},"${match[1]}":${match[2]}}` : text);
  });
  for (const contentType of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=utf-16',
    'application/xml',
  ]) {
    add(`content-type ${contentType}`, (f) =>
      request(operation, at(f), toJson(base(f)), { 'content-type': contentType }),
    );
  }
  add('JSON sent without a content type', (f) => ({
    method: operation.method,
    path: at(f),
    headers: {},
    body: Buffer.from(toJson(base(f))),
  }));
  if (options.huge) {
    add('a 5 MB body', (f) => request(operation, at(f), hugeBody(operation, f, 5 * 1024 * 1024)), 'huge');
    add('a 20 MB body', (f) => request(operation, at(f), hugeBody(operation, f, 20 * 1024 * 1024)), 'huge');
  }
  if (operation.undocumented) return cases;

  for (const field of fieldsOf(operation.body)) {
    const where = `body.${field.path.join('.')}`.replace(/\.(\d+)/g, '[$1]');
    if (field.required)
      add(`${where} missing`, (f) =>
        request(operation, at(f), toJson(withValue(base(f), field.path, undefined, true))),
      );
    for (const bad of valuesFor(field)) {
      const bomb = typeof bad.value === 'string' && /DTSTART:1900/.test(bad.value);
      add(
        `${where} = ${bad.label}`,
        (f) => request(operation, at(f), toJson(withValue(base(f), field.path, bad.value))),
        bomb ? 'schedule-bomb' : undefined,
      );
    }
  }
  return cases;
}

/** The valid request for `operation`, sent to `path` instead. */
function validRequestAt(operation: Operation, fixtures: Fixtures, path: string): RequestSpec {
  return { ...validRequest(operation, fixtures), path };
}

/** Picks `budget` cases, route by route in turn, so every route gets its share; `random` orders them. */
export function pickCases(all: FuzzCase[], budget: number, random: () => number): FuzzCase[] {
  const byRoute = new Map<string, FuzzCase[]>();
  for (const item of all) {
    const key = label(item.operation);
    byRoute.set(key, [...(byRoute.get(key) ?? []), item]);
  }
  const queues = [...byRoute.values()].map((list) => shuffle(list, random));
  const picked: FuzzCase[] = [];
  while (picked.length < budget && queues.some((queue) => queue.length > 0)) {
    for (const queue of queues) {
      const next = queue.shift();
      if (next && picked.length < budget) picked.push(next);
    }
  }
  return shuffle(picked, random);
}

export function shuffle<T>(list: T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
