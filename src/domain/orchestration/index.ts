// Orchestration: the pure rules that decide every flow and task run state transition.
export * from './crash-retries';
export * from './deployment-concurrency-rules';
export * from './flow-rules';
export { type FlowOrchestrationOptions, orchestrateFlowRun, resumeProposal } from './flow-runs';
export * from './pipeline';
export * from './policies';
export { hasPersistedResult, newProposedState, normaliseProposal, type ProposedState } from './proposal';
export * from './scheduling-rules';
export * from './slot-questions';
export * from './subflow-children';
export { type ParentTaskProposal, parentTaskProposal } from './subflow-parent';
export * from './tag-concurrency-rules';
export * from './task-rules';
export { orchestrateTaskRun, type TaskOrchestrationOptions } from './task-runs';
export * from './transforms';
export type * from './types';
