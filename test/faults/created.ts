// What an accepted create made: where to read it back by the name it was given, and how to delete it.
import type { RequestSpec } from './generate.ts';

/** Routes that address what they create by its name: a name no URL can hold makes it unreachable. */
const BY_NAME = /^\/api\/(work_pools|work_pools\/[^/]+\/queues|flows|v2\/concurrency_limits)$/;
const BY_ID = ['/api/deployments', '/api/flow_runs', '/api/webhooks', '/api/automations'];

function json(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function segment(name: string): string | null {
  try {
    return encodeURIComponent(name);
  } catch {
    return null;
  }
}

/**
 * Where to read back what a create made, and the name it was sent with; `path: null` when the route
 * addresses it by a name no URL can hold. Null when the request names nothing to compare.
 */
export function readBackTarget(
  spec: RequestSpec,
  answerText: string,
): { path: string | null; name: string } | null {
  if (spec.method !== 'POST' || typeof spec.body !== 'string') return null;
  const [sent, answer] = [json(spec.body), json(answerText)];
  if (!sent || !answer || typeof sent.name !== 'string') return null;
  const name = sent.name;
  const at = segment(name);
  if (BY_NAME.test(spec.path)) {
    if (at === null) return { path: null, name };
    return { path: spec.path === '/api/flows' ? `/api/flows/name/${at}` : `${spec.path}/${at}`, name };
  }
  if (BY_ID.includes(spec.path) && typeof answer.id === 'string')
    return { path: `${spec.path}/${answer.id}`, name };
  return null;
}

/** DELETE paths that undo an accepted create (pools, queues, deployments, schedules, webhooks, keys). */
export function createdPaths(spec: RequestSpec, answerText: string): string[] {
  if (spec.method !== 'POST') return [];
  let answer: unknown;
  try {
    answer = JSON.parse(answerText);
  } catch {
    return [];
  }
  const one = (answer ?? {}) as { id?: unknown; name?: unknown };
  if (BY_NAME.test(spec.path) && spec.path !== '/api/flows' && typeof one.name === 'string') {
    const at = segment(one.name);
    return at === null ? [] : [`${spec.path}/${at}`];
  }
  if (
    ['/api/deployments', '/api/webhooks', '/api/api_keys', '/api/automations'].includes(spec.path) &&
    typeof one.id === 'string'
  )
    return [`${spec.path}/${one.id}`];
  if (/^\/api\/deployments\/[^/]+\/schedules$/.test(spec.path) && Array.isArray(answer))
    return (answer as { id: string }[]).map((schedule) => `${spec.path}/${schedule.id}`);
  if (spec.path === '/api/deployments/bulk') {
    const list = (Array.isArray(answer) ? answer : (answer as { deployments?: unknown }).deployments) ?? [];
    return (list as { id: string }[]).map((deployment) => `/api/deployments/${deployment.id}`);
  }
  return [];
}

/** The secret an answer is meant to show once: a created API key's `key`, a webhook's `secret`. */
export function secretShownIn(text: string): string | undefined {
  const answer = json(text);
  // An API key's answer has its scope; an artifact's `key` is its name, not a secret.
  if (typeof answer?.key === 'string' && typeof answer.scope === 'string') return answer.key;
  if (typeof answer?.secret === 'string') return answer.secret;
  return undefined;
}
