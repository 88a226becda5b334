// Input refused at the edge, before any handler decodes or parses it: malformed percent-escapes in
// URL paths, and JSON bodies that nest too deep or hold unpaired surrogates (docs/api-limits.md).
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { type JsonPath, jsonTextProblem, MAX_JSON_DEPTH } from '../domain/input/json-text';
import { ApiError } from './errors';
import { type AppEnv, fieldPath } from './router';

/** The media types Hono's validator parses as JSON. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Bodies that are not parsed as request JSON: results are stored as opaque bytes, and a webhook
 * checks its body itself once the caller has proved it holds the webhook's secret.
 */
const OWN_BODY_ROUTES = new Set(['PUT /api/results/:key{.+}', 'POST /api/webhooks/:slug']);

/** The route that answers: middleware is registered for every method, routes for one. */
function answeringRoute(c: Context<AppEnv>): { method: string; path: string } | undefined {
  return matchedRoutes(c).find((route) => route.method !== 'ALL');
}

function decodes(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

/**
 * A path segment that does not decode (`%ZZ`, or `%ED%A0%80`, UTF-8 for a lone surrogate) is a
 * 400 naming the path parameter, not a URIError in a handler.
 */
export const refuseMalformedPaths: MiddlewareHandler<AppEnv> = async (c, next) => {
  const segments = new URL(c.req.url).pathname.split('/');
  const bad = segments.findIndex((segment) => !decodes(segment));
  if (bad < 0) return next();
  const pattern = answeringRoute(c)?.path.split('/') ?? [];
  // A last parameter such as `:key{.+}` takes every segment after it.
  const declared = pattern[Math.min(bad, pattern.length - 1)] ?? '';
  const field = declared.startsWith(':') ? declared.slice(1).replace(/\{.*$/, '') : 'path';
  throw new ApiError(
    400,
    'request.malformed_path',
    `The URL path's ${field === 'path' ? 'segment' : `${field} parameter`} "${segments[bad]?.slice(0, 100)}" is not valid percent-encoded UTF-8.`,
    field,
  );
};

/**
 * Throws the 422 for the first limit `text` breaks. `root` names the whole body when the body is
 * itself the input (a webhook's); otherwise the field is the body's own top-level field.
 */
export function assertJsonTextWithinLimits(text: string, root?: string): void {
  const problem = jsonTextProblem(text);
  if (!problem) return;
  if (problem.kind === 'too_deep') {
    const field = root ?? (fieldPath(problem.path.slice(0, 1)) || 'body');
    const at = fieldPath(problem.path.slice(0, 4));
    throw new ApiError(
      422,
      'request.too_deep',
      `${field} nests deeper than ${MAX_JSON_DEPTH} levels${at ? ` (at ${at}…)` : ''}.`,
      field,
    );
  }
  const field = fieldName(problem.path, root);
  throw new ApiError(
    422,
    'request.unpaired_surrogate',
    `${field} holds half of a UTF-16 surrogate pair (such as "\\ud800"), which cannot be stored as written.`,
    field,
  );
}

/** `parameters.a`, or under a root `body.a` and `body[0]`; the body itself when the path is empty. */
function fieldName(path: JsonPath, root: string | undefined): string {
  const inner = fieldPath(path);
  if (!root) return inner || 'body';
  if (!inner) return root;
  return inner.startsWith('[') ? `${root}${inner}` : `${root}.${inner}`;
}

/** Every JSON body a route parses is checked once, on its text, before the route's validator parses it. */
export const guardJsonBodies: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.req.raw.body || !JSON_MEDIA_TYPE.test(c.req.header('content-type')?.split(';')[0]?.trim() ?? '')) {
    return next();
  }
  const route = answeringRoute(c);
  if (route && OWN_BODY_ROUTES.has(`${route.method} ${route.path}`)) return next();
  assertJsonTextWithinLimits(await c.req.text());
  return next();
};
