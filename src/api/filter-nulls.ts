// Prefect's client sends every unset field of a filter body as null (`"sort": null`,
// `"task_runs": {"name": null, …}`). In a filter or count body, null means nothing else, so it is
// read as absent, in one place, before the route validates (docs/prefect-compat.md).
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './router';

const FILTER_PATH = /\/(filter|count)$/;

/** Removes, in place, every object key whose value is null, at any depth; true when it removed any. */
export function dropNullFields(value: unknown): boolean {
  let dropped = false;
  if (Array.isArray(value)) {
    for (const item of value) dropped = dropNullFields(item) || dropped;
  } else if (value !== null && typeof value === 'object') {
    const fields = value as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (fields[key] === null) {
        delete fields[key];
        dropped = true;
      } else dropped = dropNullFields(fields[key]) || dropped;
    }
  }
  return dropped;
}

export const filterBodiesTakeNulls: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== 'POST' || !FILTER_PATH.test(c.req.path) || !c.req.raw.body) return next();
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    return next(); // the route's validator answers malformed JSON
  }
  // The validator reads the body from the request's cached text: it gets the cleaned one.
  if (dropNullFields(body)) {
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(JSON.stringify(body));
  }
  return next();
};
