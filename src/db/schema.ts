// The D1 index: queryable copies of what the Durable Objects own, plus flows, logs and API keys.
// Run rows are written only by their run's object (versioned upserts); never the source of truth.
// One file per area under schema/; drizzle-kit reads the tables through this barrel.

export * from './schema/access';
export * from './schema/blocks';
export * from './schema/deployments';
export * from './schema/events';
export * from './schema/limits';
export * from './schema/runs';
export * from './schema/variables-artifacts';
