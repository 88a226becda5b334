// Automations: triggers, their evaluation, actions and their templates (docs/automations.md).
export * from './deployment-triggers';
export * from './evaluation';
export * from './matching';
export * from './outcomes';
export * from './schemas';
export * from './templates';
