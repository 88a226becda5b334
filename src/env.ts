// The bindings and settings the Worker runs with; see wrangler.toml.
import type { AutomationsObject } from './durable/automations-object';
import type { ConcurrencyLimitObject } from './durable/concurrency-limit-object';
import type { FlowRunObject } from './durable/flow-run-object';
import type { WorkPoolObject } from './durable/work-pool-object';

export interface Env {
  DB: D1Database;
  RESULTS: R2Bucket;
  FLOW_RUNS: DurableObjectNamespace<FlowRunObject>;
  WORK_POOLS: DurableObjectNamespace<WorkPoolObject>;
  CONCURRENCY_LIMITS: DurableObjectNamespace<ConcurrencyLimitObject>;
  AUTOMATIONS: DurableObjectNamespace<AutomationsObject>;
  /** This Worker version's id: the dashboard's static files are named with it, so a deploy refreshes them. */
  VERSION?: WorkerVersionMetadata;
  /** The admin key. Locally `.dev.vars` supplies it; deployed, `wrangler secret put EDGEFLOW_API_KEY`. */
  EDGEFLOW_API_KEY?: string;
  /**
   * Encrypts every secret at rest, webhook HMAC keys and block data (`wrangler secret put
   * EDGEFLOW_SECRET_KEY`). Required when deployed; locally the admin key stands in (docs/blocks.md).
   */
  EDGEFLOW_SECRET_KEY?: string;
  /** The key before the last rotation: still read, until `POST /api/admin/secrets/reencrypt` is done. */
  EDGEFLOW_SECRET_KEY_PREVIOUS?: string;
  /** `true` only under the local server and `wrangler dev`: the admin key may stand in for the secret key. */
  EDGEFLOW_LOCAL_DEV?: string;
  /** Days events are kept (docs/events.md, "Retention"); 7 when unset, as Prefect's default. */
  EDGEFLOW_EVENTS_RETENTION_DAYS?: string;
}
