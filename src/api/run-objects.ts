// How the API reaches a flow run's Durable Object (by name, the run id), and the one way runs are created.
import type { FlowRun, FlowRunCreate, StateCreate } from 'edgeflow/protocol';
import { readFlow } from '../db/flows';
import type { RunConcurrencyLimit } from '../domain/orchestration';
import { newFlowRunDoc } from '../domain/runs/flow-run-docs';
import { idempotentRunId } from '../domain/runs/ids';
import type { FlowRunObject } from '../durable/flow-run-object';
import type { Env } from '../env';
import { ApiError } from './errors';

/**
 * The object's RPC surface with its declared types. Workers' generated stub types turn fields typed
 * `unknown` (a state's `data`, a run's parameters) into `never`; every value here is JSON, so plain
 * method types are accurate.
 */
export type FlowRunObjectApi = Pick<
  FlowRunObject,
  | 'create'
  | 'read'
  | 'readStates'
  | 'setState'
  | 'resume'
  | 'update'
  | 'remove'
  | 'removeUnstarted'
  | 'cancelScheduled'
  | 'applyTaskBatch'
  | 'createTaskRun'
  | 'readTaskRun'
  | 'readTaskRunStates'
  | 'listTaskRuns'
>;

export function flowRunObject(env: Env, flowRunId: string): FlowRunObjectApi {
  return env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(flowRunId)) as unknown as FlowRunObjectApi;
}

/** A run meant for an agent starts SCHEDULED now; one its caller runs itself starts PENDING (CONTRACTS §2). */
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

/**
 * Creates a flow run, or returns the existing one for the same (flow_id, idempotency_key): the key
 * picks the run id, so concurrent creates meet in one object. Deployments and schedules create
 * their runs through here too.
 */
export async function createFlowRun(
  env: Env,
  body: FlowRunCreate,
  now: Date,
  options: CreateFlowRunOptions = {},
): Promise<{ created: boolean; run: FlowRun }> {
  if (!options.flowKnown && !(await flowExists(env, body.flow_id))) {
    throw new ApiError(404, 'flow.not_found', `flow ${body.flow_id} not found`, 'flow_id');
  }
  const id = body.idempotency_key
    ? await idempotentRunId(body.flow_id, body.idempotency_key)
    : crypto.randomUUID();
  const doc = {
    ...newFlowRunDoc(id, body, now, Math.random),
    auto_scheduled: options.autoScheduled ?? false,
  };
  return flowRunObject(env, id).create(doc, initialState(body, now), options.concurrency);
}
