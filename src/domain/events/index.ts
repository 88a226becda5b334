// Events: what state changes and lifecycle changes emit, and how filters read them (docs/events.md).
export * from './lifecycle';
export * from './reading';
export * from './state-events';
export * from './task-run-state-records';
