// The SDK: flows, the run logger, and the run context tasks will share.
export { currentRun, type LogRecord, type RunContext, withRunContext } from './context.ts';
export { type FlowRunOutcome, runFlowRun } from './engine.ts';
export {
  FLOW_DEFINITION,
  type Flow,
  type FlowDefinition,
  type FlowOptions,
  flow,
  flowDefinitionOf,
} from './flow.ts';
export { getRunLogger, LOG_LEVELS, type LogLevelName, type RunLogger } from './logger.ts';
export type { ServeOptions } from './serve.ts';
