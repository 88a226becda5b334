// A client for the API named by options or the environment, as the CLI and flow.serve() find it.
import { EdgeflowClient } from './api-client.ts';

export const DEFAULT_API_URL = 'http://127.0.0.1:8787';
/** Exists only in local development (`npm run dev` / `npm run server` write it to .dev.vars). */
const LOCAL_DEV_KEY = 'edgeflow-dev-key';

function isLocal(apiUrl: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(apiUrl).hostname);
  } catch {
    return false;
  }
}

export class MissingApiKeyError extends Error {
  override readonly name = 'MissingApiKeyError';
}

/**
 * `apiUrl` or EDGEFLOW_API_URL (default the local server), `apiKey` or EDGEFLOW_API_KEY; the local
 * dev key is assumed only for an API on this machine.
 */
export function clientFromEnvironment(
  options: { apiUrl?: string; apiKey?: string; maxAttempts?: number } = {},
): { client: EdgeflowClient; apiKey: string } {
  const apiUrl = options.apiUrl ?? process.env.EDGEFLOW_API_URL ?? DEFAULT_API_URL;
  const apiKey =
    options.apiKey ?? process.env.EDGEFLOW_API_KEY ?? (isLocal(apiUrl) ? LOCAL_DEV_KEY : undefined);
  if (!apiKey) throw new MissingApiKeyError(`An API key is needed for ${apiUrl}: set EDGEFLOW_API_KEY.`);
  return { client: new EdgeflowClient({ apiUrl, apiKey, maxAttempts: options.maxAttempts }), apiKey };
}
