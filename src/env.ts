// The bindings and settings the Worker runs with; see wrangler.toml.
import type { FlowRunObject } from './durable/flow-run-object';

export interface Env {
  DB: D1Database;
  RESULTS: R2Bucket;
  FLOW_RUNS: DurableObjectNamespace<FlowRunObject>;
  WORK_POOLS: DurableObjectNamespace;
  /** The admin key. Locally `.dev.vars` supplies it; deployed, `wrangler secret put EDGEFLOW_API_KEY`. */
  EDGEFLOW_API_KEY?: string;
}
