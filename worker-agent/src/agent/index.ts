// The worker agent: claims flow runs from a work pool and runs them in child processes of its own.
export { Agent } from './agent.ts';
export type { AgentLifecycle, AgentOptions } from './agent-options.ts';
export { ChildPool, type ChildPoolSettings } from './child-pool.ts';
export { EntrypointError, loadEntrypoint, parseEntrypoint } from './entrypoint.ts';
export {
  type AssignedRun,
  type ChildEvents,
  type ChildExit,
  describeExit,
  FlowRunChild,
  type RunEnd,
} from './flow-run-child.ts';
export { LogShipper } from './log-shipper.ts';
export {
  DEFAULT_MAX_PROCESS_MEMORY_MB,
  DEFAULT_MAX_RUNS_PER_PROCESS,
  type Isolation,
  type WarmKey,
  type WarmReuse,
  warmKeyOf,
} from './warm-reuse.ts';
