// Deployments' decisions: run parameters (merge, schema check), schedules as written, runs withdrawn.
export * from './parameters';
export * from './scheduled-runs';
export * from './schedules';
