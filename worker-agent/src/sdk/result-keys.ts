// Result storage keys: `resultStorageKey` templates such as 'reports/{parameters.day}.json' filled in
// from the run (as Prefect 3's result_storage_key), and checked to stay a plain relative path.

/** What a template's `{...}` fields may name. */
export interface ResultKeyContext {
  /** The call's arguments by parameter name (a task), or the flow run's parameters (a flow). */
  parameters: Record<string, unknown>;
  flow_run: { id: string; name: string; parameters: Record<string, unknown> };
  task_run?: { id: string; name: string };
}

/** A key that is not a plain relative path, or a template that cannot be filled in. */
export class ResultKeyError extends Error {
  override readonly name: string = 'ResultKeyError';
}

const SEGMENT = /^[A-Za-z0-9_.:=-]+$/;
const MAX_KEY_LENGTH = 512;

/**
 * The server's rule (src/api/routes/results.ts): segments of `[A-Za-z0-9_.:=-]` joined by `/`, none
 * of them only dots, at most 512 characters; so a key can never climb out of a local folder either.
 */
export function resultKeyProblem(key: string): string | null {
  if (key.length === 0) return 'it is empty';
  if (key.length > MAX_KEY_LENGTH) return `it is longer than ${MAX_KEY_LENGTH} characters`;
  for (const segment of key.split('/')) {
    if (segment === '') return 'it has an empty segment (a leading, trailing or double /)';
    if (/^\.+$/.test(segment)) return `it has a "${segment}" segment`;
    if (!SEGMENT.test(segment))
      return `segment "${segment.slice(0, 60)}" has characters outside A-Z a-z 0-9 _ . : = -`;
  }
  return null;
}

export function checkResultKey(key: string): string {
  const problem = resultKeyProblem(key);
  if (problem) throw new ResultKeyError(`Result key "${key.slice(0, 100)}" is not allowed: ${problem}.`);
  return key;
}

function lookup(context: ResultKeyContext, path: string): unknown {
  let current: unknown = context;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, part)) {
      throw new ResultKeyError(`Result key template: {${path}} names nothing in this run.`);
    }
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function asText(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  throw new ResultKeyError(`Result key template: {${path}} is not a string, number or date.`);
}

/** Fills `{path.to.field}` from the context and checks the result; `{{` and `}}` are literal braces. */
export function renderResultKey(template: string, context: ResultKeyContext): string {
  const key = template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, path: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const name = (path ?? '').trim();
    if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(name)) {
      throw new ResultKeyError(`Result key template: "{${name}}" is not a field path.`);
    }
    return asText(lookup(context, name), name);
  });
  return checkResultKey(key);
}
