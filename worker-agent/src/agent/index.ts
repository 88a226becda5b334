// The worker agent: claims flow runs from a work pool and runs each in its own child process.
export { Agent, type AgentLifecycle, type AgentOptions } from './agent.ts';
export { ChildPool } from './child-pool.ts';
export { EntrypointError, loadEntrypoint, parseEntrypoint } from './entrypoint.ts';
export { type ChildEvents, type ChildExit, describeExit, FlowRunChild } from './flow-run-child.ts';
export { LogShipper } from './log-shipper.ts';
