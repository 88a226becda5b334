// The options every command that talks to the API shares: where the API is and which key to use.
import { clientFromEnvironment, DEFAULT_API_URL, type EdgeflowClient } from '../client/index.ts';

export const CONNECTION_OPTIONS = {
  api: { type: 'string' },
  key: { type: 'string' },
} as const;

export const CONNECTION_USAGE = `  --api URL                 control plane (env EDGEFLOW_API_URL, default ${DEFAULT_API_URL})
  --key KEY                 API key (env EDGEFLOW_API_KEY; default edgeflow-dev-key for a local API)`;

/** The user asked for something the command cannot do: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function connect(values: { api?: string; key?: string }): EdgeflowClient {
  // A CLI call should fail within seconds when the server is down, not retry for a minute.
  return clientFromEnvironment({ apiUrl: values.api, apiKey: values.key, maxAttempts: 3 }).client;
}
