// The wire contract between the Edgeflow Worker, the agent and the SDK. Both sides parse with these.
export * from './api-keys.ts';
export * from './artifacts.ts';
export * from './blocks.ts';
export * from './common.ts';
export * from './concurrency-limits.ts';
export * from './deployments.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './flow-runs.ts';
export * from './flows.ts';
export * from './logs.ts';
export * from './retries.ts';
export * from './run-inputs.ts';
export * from './states.ts';
export * from './task-runs.ts';
export * from './variables.ts';
export * from './work-pools.ts';
