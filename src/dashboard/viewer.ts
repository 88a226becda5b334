// Who is looking and what the API would let them do: the dashboard enables a button exactly when the
// route it calls would accept this key, reading the scopes the routes declare (docs/api-scopes.md).
import type { ApiKeyScope } from 'edgeflow/protocol';
import type { Context, MiddlewareHandler } from 'hono';
import { declaredScope, type RouteScopeTable, routeScopeTable } from '../api/route-scopes';
import type { AppEnv } from '../api/router';
import { scopeSatisfies } from '../domain/auth/scopes';

export type RouteDefinitions = Parameters<typeof routeScopeTable>[0];

export interface Viewer {
  scope: ApiKeyScope;
  /** Whether this key may call a route, written as the OpenAPI document does: `POST /api/flow_runs/{id}/set_state`. */
  may(route: string): boolean;
  /** The scope a route takes, for a disabled button's explanation. */
  needs(route: string): ApiKeyScope | null;
}

export interface DashboardEnv extends AppEnv {
  Variables: AppEnv['Variables'] & { viewer: Viewer };
}

export type DashboardContext = Context<DashboardEnv>;

/** `POST /api/flow_runs/{id}` as the route table keys it: `POST /api/flow_runs/:id`. */
const tableKey = (route: string) => route.replace(/\{(\w+)\}/g, ':$1');

/** Sets `viewer` from the principal the auth middleware found. */
export function viewerFrom(routes: () => RouteDefinitions): MiddlewareHandler<DashboardEnv> {
  let table: RouteScopeTable | undefined;
  return async (c, next) => {
    table ??= routeScopeTable(routes());
    const known = table;
    const { scope } = c.get('principal');
    const needs = (route: string): ApiKeyScope | null => {
      const declared = declaredScope(known, tableKey(route));
      return declared.kind === 'key' ? declared.scope : null;
    };
    c.set('viewer', {
      scope,
      needs,
      may(route) {
        const needed = needs(route);
        return needed !== null && scopeSatisfies(scope, needed);
      },
    });
    await next();
  };
}
