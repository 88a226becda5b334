// The one way into the Durable Objects: a typed handle per object, found by name. The API, the
// scheduler and the objects themselves reach each other only through here.
import type { AutomationsObject } from './automations-object';
import type { ConcurrencyLimitObject } from './concurrency-limit-object';
import type { FlowRunObject } from './flow-run-object';
import type { WorkPoolObject } from './work-pool-object';

/**
 * Each object's RPC surface with its declared types. Workers' generated stub types turn fields typed
 * `unknown` (a state's `data`, a run's parameters) into `never`; every value crossing here is JSON
 * (or a plain object of JSON), so the methods' own types are accurate. This is the one cast.
 */
export type FlowRunHandle = Pick<
  FlowRunObject,
  | 'create'
  | 'read'
  | 'readStates'
  | 'waitForEnd'
  | 'setState'
  | 'resume'
  | 'nextState'
  | 'addInput'
  | 'readInput'
  | 'filterInputs'
  | 'removeInput'
  | 'update'
  | 'remove'
  | 'removeUnstarted'
  | 'cancelScheduled'
  | 'applyTaskBatch'
  | 'createTaskRun'
  | 'readTaskRun'
  | 'readTaskRunStates'
  | 'listTaskRuns'
  | 'summariseTaskRuns'
  | 'claim'
  | 'unclaim'
  | 'crash'
  | 'markLate'
  | 'holdsConcurrencySlot'
  | 'resultKeys'
  | 'purge'
>;

export type WorkPoolHandle = Pick<
  WorkPoolObject,
  | 'configure'
  | 'claim'
  | 'abandonClaim'
  | 'releaseClaim'
  | 'heartbeat'
  | 'listWorkers'
  | 'deleteWorker'
  | 'syncRun'
>;

export type ConcurrencyLimitHandle = Pick<
  ConcurrencyLimitObject,
  | 'acquire'
  | 'release'
  | 'holders'
  | 'isFull'
  | 'createLimit'
  | 'readLimit'
  | 'updateLimit'
  | 'deleteLimit'
  | 'resetLimit'
  | 'takeSlots'
  | 'renewLease'
  | 'releaseLease'
  | 'undoRateSlots'
  | 'abandonRequest'
  | 'limitHolders'
>;

export type AutomationsHandle = Pick<AutomationsObject, 'nudge' | 'firings' | 'pruneFirings'>;

/** The namespaces the handles come from; the Worker's Env has them all. */
export interface ObjectBindings {
  FLOW_RUNS: DurableObjectNamespace<FlowRunObject>;
  WORK_POOLS: DurableObjectNamespace<WorkPoolObject>;
  CONCURRENCY_LIMITS: DurableObjectNamespace<ConcurrencyLimitObject>;
  AUTOMATIONS: DurableObjectNamespace<AutomationsObject>;
}

function byName<Handle, Target extends Rpc.DurableObjectBranded>(
  namespace: DurableObjectNamespace<Target>,
  name: string,
): Handle {
  return namespace.get(namespace.idFromName(name)) as unknown as Handle;
}

/** A flow run's object, named by the run id. */
export function flowRunObject(env: ObjectBindings, flowRunId: string): FlowRunHandle {
  return byName(env.FLOW_RUNS, flowRunId);
}

/** A work pool's object, named by the pool's name. */
export function workPoolObject(env: ObjectBindings, poolName: string): WorkPoolHandle {
  return byName(env.WORK_POOLS, poolName);
}

/** A named limit's object (docs/concurrency.md); task tag limits are named `tag:<tag>`. */
export function namedLimitObject(env: ObjectBindings, name: string): ConcurrencyLimitHandle {
  return byName(env.CONCURRENCY_LIMITS, `limit:${name}`);
}

/** A deployment's or schedule's concurrency limit object, named by its key (see run-concurrency.ts). */
export function concurrencyLimitObject(env: ObjectBindings, key: string): ConcurrencyLimitHandle {
  return byName(env.CONCURRENCY_LIMITS, key);
}

/** The one automations evaluator (docs/automations.md). */
export function automationsObject(env: ObjectBindings): AutomationsHandle {
  return byName(env.AUTOMATIONS, 'automations');
}

/**
 * Tells the evaluator that events were stored, without waiting for it: a lost nudge costs latency
 * (its alarm reads the events anyway), never an event. `automationsChanged`: an automation was
 * written too, so the evaluator reads which are enabled again (it skips that read while it knows none
 * is; a lost notice delays a new automation by at most a minute, from its creation on).
 */
export function nudgeAutomations(
  env: ObjectBindings,
  { automationsChanged = false }: { automationsChanged?: boolean } = {},
): Promise<void> {
  return automationsObject(env)
    .nudge({ automationsChanged })
    .catch(() => undefined);
}
