// Each route's declared scope, read once from the OpenAPI registry and found again by the route Hono
// matched, so the auth check enforces exactly what the document says (docs/api-scopes.md).
import type { ApiKeyScope } from 'edgeflow/protocol';
import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';
import { type RouteScope, routeScopeOf } from '../domain/auth/scopes';

/** A createRoute `security` that takes a key of at least `scope`; see docs/api-scopes.md. */
export function requiresScope(scope: ApiKeyScope) {
  return [{ bearer: [scope] }];
}

/** The part of an OpenAPI registry definition the table reads. */
interface RegistryDefinition {
  type: string;
  route?: { method: string; path: string; security?: Record<string, string[]>[] };
}

/** `GET /api/flows/:id`: a route as Hono registers it, its `{param}`s in Hono's `:param` form. */
function routeKey(method: string, honoPath: string): string {
  // A parameter's own pattern (`:key{.+}`) is how Hono matches it, not part of its name.
  return `${method.toUpperCase()} ${honoPath.replace(/(:\w+)\{[^}]*\}/g, '$1')}`;
}

export type RouteScopeTable = ReadonlyMap<string, RouteScope>;

export function routeScopeTable(definitions: readonly RegistryDefinition[]): RouteScopeTable {
  const table = new Map<string, RouteScope>();
  for (const { type, route } of definitions) {
    if (type !== 'route' || !route) continue;
    table.set(
      routeKey(route.method, route.path.replaceAll(/\/{(.+?)}/g, '/:$1')),
      routeScopeOf(route.security),
    );
  }
  return table;
}

/**
 * The route that will answer this request, as `METHOD path`; undefined when none will (a 404).
 * Middleware is registered for every method (`ALL`); the first route with a method is the endpoint.
 */
export function matchedRouteKey(c: Context): string | undefined {
  const endpoint = matchedRoutes(c).find((route) => route.method !== 'ALL');
  return endpoint && routeKey(endpoint.method, endpoint.path);
}

/** What the matched route declares; a route missing from the table declares nothing. */
export function declaredScope(table: RouteScopeTable, key: string): RouteScope {
  return table.get(key) ?? { kind: 'undeclared' };
}
