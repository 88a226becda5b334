// A subflow call: a child flow run linked to a task run of its parent, executed inline by the engine,
// its outcome reported on that task run (docs/sdk.md).
import { randomUUID } from 'node:crypto';
import type { RunContext } from './context.ts';
import type { FlowDefinition } from './flow.ts';
import type { TaskRunReporter } from './reporter.ts';

/** How a subflow's run ended, as the engine reports it back to its parent. */
export type SubflowOutcome =
  | { ok: true; value: unknown; data: unknown }
  | { ok: false; error: unknown; message: string };

/** Runs a flow definition as the given (child) flow run; injected to keep the engine import one-way. */
export type SubflowExecutor = (flow: FlowDefinition<unknown>, context: RunContext) => Promise<SubflowOutcome>;

/** What a subflow call needs from the parent's task runner. */
export interface SubflowScope {
  context: RunContext;
  reporter: TaskRunReporter;
  runSubflow: SubflowExecutor;
}

/** Flow ids by name, created once per process. */
const flowIds = new Map<string, Promise<string>>();

/** Creates the child flow run of `taskRunId`, runs it inline, and gives back its value or throws its error. */
export async function runChildFlow(
  flow: FlowDefinition<unknown>,
  taskRunId: string,
  parameters: unknown,
  scope: SubflowScope,
): Promise<unknown> {
  const { context: parent, reporter } = scope;
  const { client } = parent;
  let flowId = flowIds.get(flow.name);
  if (!flowId) {
    flowId = client.createFlow({ name: flow.name }).then((created) => created.id);
    flowId.catch(() => flowIds.delete(flow.name));
    flowIds.set(flow.name, flowId);
  }
  // One key per call, made before the first send: a create resent after a lost answer gets back the
  // run the first one made instead of leaving an orphan child behind. A later call (a retry of the
  // parent) makes a new key, so a new child run.
  const child = await client.createFlowRun({
    idempotency_key: `subflow ${randomUUID()}`,
    flow_id: await flowId,
    parameters: (parameters ?? {}) as Record<string, unknown>,
    parent_task_run_id: taskRunId,
    empirical_policy: flow.empiricalPolicy,
    tags: parent.flowRun.tags,
  });
  reporter.enqueueState(taskRunId, {
    type: 'RUNNING',
    name: 'Running',
    state_details: { child_flow_run_id: child.id },
  });
  const outcome = await scope.runSubflow(flow, {
    flowRun: child,
    leaseId: undefined,
    client,
    log: (record) => parent.log({ ...record, flow_run_id: record.flow_run_id ?? child.id }),
    logPrints: parent.logPrints,
    // An inline subflow stops with its parent (timeout, cancellation).
    signal: parent.signal,
  });
  if (outcome.ok) {
    reporter.enqueueState(taskRunId, {
      type: 'COMPLETED',
      name: 'Completed',
      data: outcome.data,
      state_details: { child_flow_run_id: child.id },
    });
    return outcome.value;
  }
  reporter.enqueueState(taskRunId, {
    type: 'FAILED',
    name: 'Failed',
    message: outcome.message,
    state_details: { child_flow_run_id: child.id, retriable: false },
  });
  throw outcome.error;
}
