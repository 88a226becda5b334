// The `edgeflow` package: SDK entry point.
export * from './client/index.ts';
export * from './protocol/index.ts';
export {
  currentRun,
  FLOW_DEFINITION,
  type Flow,
  type FlowOptions,
  flow,
  getRunLogger,
  LOG_LEVELS,
  type LogLevelName,
  type RunContext,
  type RunLogger,
  type ServeOptions,
} from './sdk/index.ts';
