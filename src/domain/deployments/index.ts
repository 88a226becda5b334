// Deployments' decisions: run parameters (merge, schema check) and schedules as written.
export * from './parameters';
export * from './schedules';
