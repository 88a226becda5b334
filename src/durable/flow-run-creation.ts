// Creating a flow run: the one way runs come to be, whoever asks (the API, deployments, schedules,
// webhooks). The run id is chosen here and the run's object is created through its handle.
import { type FlowRun, type FlowRunCreate, type StateCreate, timeOrderedId } from 'edgeflow/protocol';
import { readFlow } from '../db/flows';
import type { RunConcurrencyLimit } from '../domain/orchestration';
import { newFlowRunDoc } from '../domain/runs/flow-run-docs';
import { idempotentRunId } from '../domain/runs/ids';
import type { Env } from '../env';
import { flowRunObject } from './objects';

/** A run meant for an agent starts SCHEDULED now; one its caller runs itself starts PENDING (docs/orchestration.md). */
function initialState(body: FlowRunCreate, now: Date): StateCreate {
  if (body.state) return body.state;
  if (body.work_pool_name) {
    return { type: 'SCHEDULED', name: 'Scheduled', state_details: { scheduled_time: now.toISOString() } };
  }
  return { type: 'PENDING', name: 'Pending' };
}

/**
 * Flows this isolate has seen exist. Flows are never deleted, so a positive answer stays true: it
 * spares a triggered run a D1 read on its way to the pool (it is on the pickup path).
 */
const knownFlows = new Set<string>();
const KNOWN_FLOWS_MAX = 10_000;

async function flowExists(env: Env, flowId: string): Promise<boolean> {
  if (knownFlows.has(flowId)) return true;
  if (!(await readFlow(env.DB, flowId))) return false;
  if (knownFlows.size >= KNOWN_FLOWS_MAX) knownFlows.clear();
  knownFlows.add(flowId);
  return true;
}

/** What deployments and the scheduler add to a run beyond its wire fields. */
export interface CreateFlowRunOptions {
  /** The caller already read the flow (a deployment's, a batch's): skip the per-run D1 check. */
  flowKnown?: boolean;
  /** Made by the scheduler (Prefect's `auto_scheduled`). */
  autoScheduled?: boolean;
  /** The concurrency limits the run is subject to, copied onto it (its deployment's, its schedule's). */
  concurrency?: RunConcurrencyLimit[];
}

export type CreateFlowRunResult = { kind: 'ok'; created: boolean; run: FlowRun } | { kind: 'flow_not_found' };

/**
 * Creates a flow run, or returns the existing one for the same (flow_id, idempotency_key): the key
 * picks the run id, so concurrent creates meet in one object.
 */
export async function createFlowRun(
  env: Env,
  body: FlowRunCreate,
  now: Date,
  options: CreateFlowRunOptions = {},
): Promise<CreateFlowRunResult> {
  if (!options.flowKnown && !(await flowExists(env, body.flow_id))) return { kind: 'flow_not_found' };
  const id = body.idempotency_key
    ? await idempotentRunId(body.flow_id, body.idempotency_key)
    : timeOrderedId();
  const doc = {
    ...newFlowRunDoc(id, body, now, Math.random),
    auto_scheduled: options.autoScheduled ?? false,
  };
  const { created, run } = await flowRunObject(env, id).create(
    doc,
    initialState(body, now),
    options.concurrency,
  );
  return { kind: 'ok', created, run };
}
