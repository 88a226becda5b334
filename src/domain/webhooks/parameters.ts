// How a webhook's JSON body becomes run parameters: the whole body into one parameter, named fields
// (dotted paths, `commits.0.id`) into parameters, or by default the body's own top-level keys.
import type { ParameterMapping } from 'edgeflow/protocol';

export type WebhookParameters = { parameters: Record<string, unknown> } | { problem: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pick(body: unknown, path: string): unknown {
  let value: unknown = body;
  for (const segment of path.split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(segment)) value = value[Number(segment)];
    else if (isObject(value)) value = value[segment];
    else return undefined;
  }
  return value;
}

export function webhookParameters(mapping: ParameterMapping | null, body: unknown): WebhookParameters {
  if (mapping && 'body' in mapping) return { parameters: { [mapping.body]: body } };
  if (mapping && 'fields' in mapping) {
    const parameters: Record<string, unknown> = {};
    for (const [parameter, path] of Object.entries(mapping.fields)) {
      const value = pick(body, path);
      // A field the body lacks leaves the deployment's default in place.
      if (value !== undefined) parameters[parameter] = value;
    }
    return { parameters };
  }
  if (body === undefined) return { parameters: {} };
  if (!isObject(body))
    return { problem: 'the body must be a JSON object when the webhook maps no parameters' };
  return { parameters: body };
}
