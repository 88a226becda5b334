// How the API reaches a work pool's Durable Object: by name, the pool's name.
import type { WorkPoolObject } from '../durable/work-pool-object';
import type { Env } from '../env';

/** The object's RPC surface with its declared types (see run-objects.ts for why not the stub's). */
export type WorkPoolObjectApi = Pick<
  WorkPoolObject,
  'configure' | 'claim' | 'abandonClaim' | 'releaseClaim' | 'heartbeat' | 'listWorkers'
>;

export function workPoolObject(env: Env, poolName: string): WorkPoolObjectApi {
  return env.WORK_POOLS.get(env.WORK_POOLS.idFromName(poolName)) as unknown as WorkPoolObjectApi;
}
