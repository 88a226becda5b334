// The typed API client and its errors.
export { EdgeflowClient, type SetStateRequest } from './api-client.ts';
export { ArtifactsClient } from './artifacts-client.ts';
export { type AutomationSummary, AutomationsClient } from './automations-client.ts';
export { type BackoffPolicy, backoffDelayMs, DEFAULT_BACKOFF } from './backoff.ts';
export { BlocksClient } from './blocks-client.ts';
export { ApiError, ApiResponseError, ApiUnavailableError, LockedError, StaleLeaseError } from './errors.ts';
export { clientFromEnvironment, DEFAULT_API_URL, MissingApiKeyError } from './from-environment.ts';
export type { HttpOptions } from './http.ts';
export { LimitsClient } from './limits-client.ts';
export { RunInputsClient } from './run-inputs-client.ts';
export { VariablesClient } from './variables-client.ts';
export { WorkPoolsClient } from './work-pools-client.ts';
