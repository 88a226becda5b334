// The SDK: flows, tasks, futures, cache policies, the run logger, and the run context they share.

export {
  type ArtifactOptions,
  createImageArtifact,
  createLinkArtifact,
  createMarkdownArtifact,
  createProgressArtifact,
  createTableArtifact,
  updateProgressArtifact,
} from './artifacts.ts';
export { Block, BlockNotFoundError, loadBlock, Secret } from './blocks.ts';
export {
  type CacheKeyContext,
  type CacheKeyFn,
  CachePolicy,
  cacheKeyFnPolicy,
  DEFAULT,
  FLOW_PARAMETERS,
  INPUTS,
  NONE,
  RUN_ID,
  TASK_SOURCE,
} from './cache-policies.ts';
export {
  type ConcurrencyOptions,
  ConcurrencySlotAcquisitionError,
  ConcurrencySlotTimeoutError,
  concurrency,
  rateLimit,
} from './concurrency.ts';
export { currentRun, getRunContext, type LogRecord, type RunContext, withRunContext } from './context.ts';
export { type FlowRunOutcome, runFlowRun } from './engine.ts';
export {
  FlowRunAbortedError,
  NonRetriableError,
  ParameterValidationError,
  ResultMissingError,
  TimedOutError,
  UpstreamFailedError,
} from './errors.ts';
export { type EmitEventOptions, emitEvent } from './events.ts';
export {
  FLOW_DEFINITION,
  type Flow,
  type FlowDefinition,
  type FlowHook,
  type FlowHookContext,
  type FlowOptions,
  flow,
  flowDefinitionOf,
  parametersJsonSchema,
} from './flow.ts';
export {
  type AllowFailure,
  allowFailure,
  type TaskRunFuture,
  type TaskRunState,
  type Unmapped,
  unmapped,
} from './futures.ts';
export { getRunLogger, LOG_LEVELS, type LogLevelName, type RunLogger } from './logger.ts';
export {
  DEFAULT_PAUSE_TIMEOUT_SECONDS,
  type PauseOptions,
  pauseFlowRun,
  RunInputValidationError,
  suspendFlowRun,
} from './pause.ts';
export { FlowRunStoppedSignal } from './pause-watch.ts';
export { ResultKeyError } from './result-keys.ts';
export type { ResultOptions } from './result-settings.ts';
export {
  localFolderStorage,
  type ResultStorage,
  type StorageChoice,
  serverStorage,
  storageFromSpec,
} from './result-storage.ts';
export { loadResult, type ResultRecord } from './results.ts';
export {
  DeploymentRunFailedError,
  type RunDeploymentOptions,
  runDeployment,
} from './run-deployment.ts';
export {
  type ReceivedInput,
  type ReceiveInputOptions,
  ReceiveInputTimeoutError,
  receiveInput,
  type SendInputOptions,
  sendInput,
} from './run-input.ts';
export { type S3StorageOptions, s3Storage } from './s3-storage.ts';
export type { CustomSerializer, SerializerChoice } from './serializers.ts';
export {
  type RetryCondition,
  type Task,
  type TaskHook,
  type TaskHookContext,
  type TaskOptions,
  type TaskRunInfo,
  task,
} from './task.ts';
export { FlowRunCancelledError } from './timeouts.ts';
export {
  getVariable,
  type SetVariableOptions,
  setVariable,
  VariableExistsError,
} from './variables.ts';
