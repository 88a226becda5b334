// Automations: triggers, their evaluation, actions and their templates (docs/automations.md).
export * from './composite';
export * from './deployment-triggers';
export * from './enabled-knowledge';
export * from './evaluation';
export * from './loops';
export * from './matching';
export * from './outcomes';
export * from './resolution';
export * from './schemas';
export * from './state-events';
export * from './templates';
export * from './trigger-evaluation';
export * from './trigger-schemas';
