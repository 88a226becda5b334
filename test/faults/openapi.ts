// The routes under test, read from the server's own /api/openapi.json, and the scope each declares.

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema as the document gives it
export type JsonSchema = Record<string, any>;
export type Scope = 'read' | 'agent' | 'admin';
export type Access = Scope | 'public';

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** The template as documented, e.g. `/api/flow_runs/{id}`. */
  path: string;
  params: Param[];
  body?: JsonSchema;
  /** The scope the operation declares, or null when it declares none. */
  declared: Access | null;
  /** Served but missing from the document (the result routes). */
  undocumented?: boolean;
}

export const SCOPES: Scope[] = ['read', 'agent', 'admin'];
const RANK: Record<Access, number> = { public: 0, read: 1, agent: 2, admin: 3 };

/** Scopes nest (admin ⊃ agent ⊃ read): whether a key of `scope` may call a route needing `needed`. */
export function scopeCovers(scope: Scope, needed: Access): boolean {
  return RANK[scope] >= RANK[needed];
}

/**
 * A route's declared scope: an `x-edgeflow-scope` extension, or the scope in its security requirement
 * (`security: [{bearer: ['agent']}]`); `security: []` declares it public. The document-wide default
 * (`bearer` with no scope) declares nothing.
 */
export function declaredScope(operation: JsonSchema): Access | null {
  const extension = operation['x-edgeflow-scope'];
  if (typeof extension === 'string' && extension in RANK) return extension as Access;
  const security = operation.security;
  if (!Array.isArray(security)) return null;
  if (security.length === 0) return 'public';
  for (const requirement of security) {
    for (const scopes of Object.values(requirement ?? {})) {
      const found = (scopes as unknown[]).find((scope) => typeof scope === 'string' && scope in RANK);
      if (found) return found as Access;
    }
  }
  return null;
}

/** Routes the Worker serves outside the document; they must be documented too, or fail the scope check. */
const UNDOCUMENTED: Operation[] = [
  {
    method: 'PUT',
    path: '/api/results/{key}',
    params: [{ name: 'key', in: 'path', required: true, schema: { type: 'string' } }],
    body: { type: 'string' },
    declared: null,
    undocumented: true,
  },
  {
    method: 'GET',
    path: '/api/results/{key}',
    params: [{ name: 'key', in: 'path', required: true, schema: { type: 'string' } }],
    declared: null,
    undocumented: true,
  },
];

export async function readOperations(url: string, key: string): Promise<Operation[]> {
  const response = await fetch(`${url}/api/openapi.json`, { headers: { authorization: `Bearer ${key}` } });
  if (!response.ok) throw new Error(`GET /api/openapi.json answered ${response.status}`);
  const doc = (await response.json()) as JsonSchema;
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, JsonSchema>)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      operations.push({
        method: method.toUpperCase(),
        path,
        params: ((operation.parameters ?? []) as JsonSchema[]).map((param) => ({
          name: param.name,
          in: param.in,
          required: Boolean(param.required),
          schema: param.schema ?? {},
        })),
        body: operation.requestBody?.content?.['application/json']?.schema,
        declared: declaredScope(operation),
      });
    }
  }
  for (const extra of UNDOCUMENTED) {
    // The result routes are one wildcard route in the Worker; documented, they may use another name.
    const documented = operations.some(
      (operation) => operation.method === extra.method && operation.path.startsWith('/api/results/'),
    );
    if (!documented) operations.push(extra);
  }
  return operations;
}

export const label = (operation: Pick<Operation, 'method' | 'path'>) =>
  `${operation.method} ${operation.path}`;

const READ_ONLY_POST = /\/(filter|count|count-by\/\{[^}]+\})$/;

/**
 * What the rule in docs/reliability.md ("Scopes nest") says a route needs, for the routes where it
 * leaves no choice; undefined where the route's own declaration decides. The declaration of each
 * route is checked against this, and a route that declares nothing is held to it.
 */
export function requiredByRule(operation: Pick<Operation, 'method' | 'path'>): Access | undefined {
  const { method, path } = operation;
  if (path === '/api/health') return 'public';
  if (method === 'POST' && path === '/api/webhooks/{slug}') return 'public';
  if (path.startsWith('/api/api_keys')) return 'admin';
  if (method === 'GET' || (method === 'POST' && READ_ONLY_POST.test(path))) {
    // Webhook definitions name their deployment's secret scheme; reading them is admin's, as managing.
    return path.startsWith('/api/webhooks') ? undefined : 'read';
  }
  const agentWork: [string, RegExp][] = [
    ['POST', /^\/api\/work_pools\/\{[^}]+\}\/(claim|release_claim|workers\/heartbeat)$/],
    ['POST', /^\/api\/work_pools$/],
    ['POST', /^\/api\/flows$/],
    ['POST', /^\/api\/flow_runs$/],
    // runDeployment, and the run input a paused flow waits for.
    ['POST', /^\/api\/deployments\/\{id\}\/create_flow_run$/],
    ['POST', /^\/api\/flow_runs\/\{id\}\/resume$/],
    // A flow consumes the inputs it received (receiveInput), so deleting one is agent work too.
    ['DELETE', /^\/api\/flow_runs\/\{id\}\/input\/\{key\}$/],
    ['POST', /^\/api\/flow_runs\/\{id\}\/(set_state|task_runs\/batch)$/],
    ['POST', /^\/api\/task_runs$/],
    ['POST', /^\/api\/task_runs\/\{id\}\/set_state$/],
    ['POST', /^\/api\/logs$/],
    ['POST', /^\/api\/events$/],
    ['PUT', /^\/api\/results\//],
    // Limit leases: what a flow's concurrency() and tag-limited tasks need.
    ['POST', /^\/api\/v2\/concurrency_limits\/(increment|decrement)-with-lease$/],
    ['POST', /^\/api\/v2\/concurrency_limits\/leases\/\{lease_id\}\/renew$/],
  ];
  if (agentWork.some(([m, pattern]) => m === method && pattern.test(path))) return 'agent';
  // Deleting or reconfiguring deployments, pools, queues, keys and webhooks is admin's.
  if (method === 'DELETE') return 'admin';
  if (
    method === 'PATCH' &&
    /^\/api\/(deployments|work_pools|webhooks|automations|v2\/concurrency_limits)\//.test(path)
  )
    return 'admin';
  if (/^\/api\/automations(\/\{id\})?$/.test(path)) return 'admin';
  if (/^\/api\/deployments\/\{id\}\/(pause|resume)_deployment$/.test(path)) return 'admin';
  if (method === 'POST' && /^\/api\/(webhooks|deployments\/\{id\}\/schedules)$/.test(path)) return 'admin';
  // Creating deployments and queues is left to each route's declaration.
  return undefined;
}

/**
 * The scope the auth matrix holds a route to: its declaration, else the rule; null when neither says
 * (then only its extremes are checked: admin may, read may not write).
 */
export function expectedAccess(operation: Operation): Access | null {
  return operation.declared ?? requiredByRule(operation) ?? null;
}
