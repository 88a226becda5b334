// Deployments' decisions: run parameters (merge, schema check), a run's limits, schedules as written,
// runs withdrawn.
export * from './parameters';
export * from './run-limits';
export * from './scheduled-runs';
export * from './schedules';
