// Every resource router is made here, so all share the same validation-error shape.
import { OpenAPIHono, type z } from '@hono/zod-openapi';
import type { ApiKeyScope } from 'edgeflow/protocol';
import type { Env } from '../env';

export interface Principal {
  scope: ApiKeyScope;
  /** null for the configured admin key, which has no row of its own. */
  keyId: string | null;
}

export interface AppEnv {
  Bindings: Env;
  Variables: { principal: Principal };
}

/** `a.b[2].c` from a zod issue path, the way a caller reads the body. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) =>
      typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part),
    '',
  );
}

export function validationErrorBody(error: z.ZodError, target: string) {
  const issues = error.issues.map((issue) => ({ path: fieldPath(issue.path), message: issue.message }));
  const first = issues[0];
  const field = first?.path || target;
  return {
    detail: first ? `Invalid ${field}: ${first.message}` : `Invalid ${target}`,
    code: 'request.invalid',
    field,
    issues,
  };
}

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return c.json(validationErrorBody(result.error, result.target), 422);
    },
  });
}

/** A JSON request body that must be present and valid. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } } as const;
}

/** A JSON request body that may be left out: read it with `withDefaults`. */
export function optionalJsonBody<T extends z.ZodType>(schema: T) {
  return { required: false, content: { 'application/json': { schema } } } as const;
}

/**
 * An optional body as its schema reads it. When none was sent the validator hands over `{}` as it is,
 * not parsed, so the schema's defaults are applied here (a body that was sent is parsed again: a no-op).
 */
export function withDefaults<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  return schema.parse(body ?? {});
}

/** A JSON response of the given schema. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } } as const;
}
