// The typed Edgeflow API client shared by the agent and the SDK: one method per call they make.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  type DeploymentCreateSchema,
  type DeploymentFlowRunCreateSchema,
  DeploymentSchema,
  type EventCreate,
  type EventFilter,
  type EventFilterBodySchema,
  EventPageSchema,
  type FlowCreateSchema,
  type FlowFilterBodySchema,
  type FlowRunCreateSchema,
  type FlowRunDeleteBodySchema,
  FlowRunDeleteResultSchema,
  type FlowRunFilterBodySchema,
  FlowRunSchema,
  FlowSchema,
  type LogCreate,
  type LogFilterBodySchema,
  LogSchema,
  OrchestrationResultSchema,
  type SetStateBody,
  StateSchema,
  type TaskRunBatchBodySchema,
  TaskRunBatchResponseSchema,
  type TaskRunFilterBodySchema,
  TaskRunSchema,
} from '../protocol/index.ts';
import { ArtifactsClient } from './artifacts-client.ts';
import { AutomationsClient } from './automations-client.ts';
import { BlocksClient } from './blocks-client.ts';
import { streamEvents } from './event-stream.ts';
import { type HttpOptions, HttpTransport } from './http.ts';
import { LimitsClient } from './limits-client.ts';
import { RunInputsClient } from './run-inputs-client.ts';
import { VariablesClient } from './variables-client.ts';
import { WorkPoolsClient } from './work-pools-client.ts';

/** What a caller may leave out of a set_state body (force defaults to false on the server). */
export type SetStateRequest = Omit<SetStateBody, 'force'> & { force?: boolean };

const LogsCreatedSchema = z.object({ count: z.number().int() });

const pathPart = (value: string) => encodeURIComponent(value);
/** Result keys may hold `/`: each segment is encoded on its own. */
const resultPath = (key: string) => key.split('/').map(pathPart).join('/');

export class EdgeflowClient {
  readonly #http: HttpTransport;
  /** Named concurrency and rate limits, their leases, and task tag limits. */
  readonly limits: LimitsClient;
  /** Automations: list, read, pause, resume, delete. */
  readonly automations: AutomationsClient;
  /** Variables, by name (docs/variables.md). */
  readonly variables: VariablesClient;
  /** Reading artifacts (flows send theirs in the report batches; docs/artifacts.md). */
  readonly artifacts: ArtifactsClient;
  /** Flow run inputs and the held read of a run's next state (docs/sdk.md, "Pause, suspend and input"). */
  readonly runInputs: RunInputsClient;
  /** Block types and documents, by slug and name (docs/blocks.md). */
  readonly blocks: BlocksClient;
  /** Work pools and queues, and the agent's claims and heartbeats on its pool (docs/work-pools.md). */
  readonly workPools: WorkPoolsClient;

  constructor(options: HttpOptions) {
    this.#http = new HttpTransport(options);
    this.limits = new LimitsClient(this.#http);
    this.automations = new AutomationsClient(this.#http);
    this.variables = new VariablesClient(this.#http);
    this.artifacts = new ArtifactsClient(this.#http);
    this.runInputs = new RunInputsClient(this.#http);
    this.blocks = new BlocksClient(this.#http);
    this.workPools = new WorkPoolsClient(this.#http);
  }

  get apiUrl(): string {
    return this.#http.apiUrl;
  }

  health() {
    return this.#http.request('GET', '/api/health', { schema: z.object({ status: z.literal('ok') }) });
  }

  createFlow(body: z.input<typeof FlowCreateSchema>) {
    return this.#http.request('POST', '/api/flows', { body, schema: FlowSchema });
  }

  createFlowRun(body: z.input<typeof FlowRunCreateSchema>) {
    return this.#http.request('POST', '/api/flow_runs', { body, schema: FlowRunSchema });
  }

  readFlowRun(id: string) {
    return this.#http.request('GET', `/api/flow_runs/${pathPart(id)}`, { schema: FlowRunSchema });
  }

  /** Resumes a paused run; a pause waiting for typed input checks `runInput` (422 naming the field). */
  resumeFlowRun(id: string, runInput?: Record<string, unknown>) {
    return this.#http.request('POST', `/api/flow_runs/${pathPart(id)}/resume`, {
      body: runInput === undefined ? {} : { run_input: runInput },
      schema: OrchestrationResultSchema,
    });
  }

  /** The run once it has ended, or as it is after `seconds` (at most 20): a request the server holds. */
  waitForFlowRunEnd(id: string, seconds: number, signal?: AbortSignal) {
    return this.#http.request('GET', `/api/flow_runs/${pathPart(id)}/wait?timeout_seconds=${seconds}`, {
      schema: FlowRunSchema,
      extraTimeoutMs: seconds * 1000,
      signal,
    });
  }

  /** The run's state history, oldest first. */
  readFlowRunStates(id: string) {
    return this.#http.request('GET', `/api/flow_runs/${pathPart(id)}/states`, {
      schema: z.array(StateSchema),
    });
  }

  /**
   * Proposes a state; with a `lease_id`, a 409 becomes `StaleLeaseError`. A proposal without a
   * `transition_id` (the agent's CRASHED and CANCELLED, the CLI's cancel) gets one before its first
   * send, so a resend after a lost answer gets the first outcome instead of a second state.
   */
  setFlowRunState(id: string, body: SetStateRequest) {
    const { state } = body;
    const transition_id = state.state_details?.transition_id ?? randomUUID();
    return this.#http.request('POST', `/api/flow_runs/${pathPart(id)}/set_state`, {
      body: { ...body, state: { ...state, state_details: { ...state.state_details, transition_id } } },
      schema: OrchestrationResultSchema,
      leased: body.lease_id !== undefined,
    });
  }

  filterFlowRuns(body: z.input<typeof FlowRunFilterBodySchema>) {
    return this.#http.request('POST', '/api/flow_runs/filter', { body, schema: z.array(FlowRunSchema) });
  }

  /** Deletes the final runs a filter matches, each with its subflow runs (docs/retention.md). */
  deleteFlowRuns(body: z.input<typeof FlowRunDeleteBodySchema>) {
    return this.#http.request('POST', '/api/flow_runs/delete', { body, schema: FlowRunDeleteResultSchema });
  }

  /**
   * Applies task-run reports in order (docs/sdk.md, "Reports and where the SDK waits"); with a
   * `lease_id`, a 409 becomes `StaleLeaseError`.
   */
  /**
   * `held`: the server may hold the request in a tag limit's line (up to 20 s, docs/concurrency.md),
   * so it gets that much more time than the usual timeout.
   */
  applyTaskRunBatch(
    flowRunId: string,
    body: z.input<typeof TaskRunBatchBodySchema>,
    { held = false }: { held?: boolean } = {},
  ) {
    return this.#http.request('POST', `/api/flow_runs/${pathPart(flowRunId)}/task_runs/batch`, {
      body,
      schema: TaskRunBatchResponseSchema,
      leased: body.lease_id !== undefined,
      ...(held ? { extraTimeoutMs: 30_000 } : {}),
    });
  }

  /** A page of a flow run's task runs, in creation order, read from the run itself. */
  listTaskRuns(flowRunId: string, offset = 0, limit = 1000) {
    return this.#http.request(
      'GET',
      `/api/flow_runs/${pathPart(flowRunId)}/task_runs?offset=${offset}&limit=${limit}`,
      { schema: z.array(TaskRunSchema) },
    );
  }

  readTaskRun(id: string) {
    return this.#http.request('GET', `/api/task_runs/${pathPart(id)}`, { schema: TaskRunSchema });
  }

  readTaskRunStates(id: string) {
    return this.#http.request('GET', `/api/task_runs/${pathPart(id)}/states`, {
      schema: z.array(StateSchema),
    });
  }

  filterTaskRuns(body: z.input<typeof TaskRunFilterBodySchema>) {
    return this.#http.request('POST', '/api/task_runs/filter', { body, schema: z.array(TaskRunSchema) });
  }

  countTaskRuns(body: z.input<typeof TaskRunFilterBodySchema>) {
    return this.#http.request('POST', '/api/task_runs/count', { body, schema: z.number().int() });
  }

  /** Stores serialized result bytes under `key` (`PUT /api/results/{key}`). */
  async writeResult(key: string, body: string | Uint8Array, contentType = 'application/json'): Promise<void> {
    await this.#http.requestText('PUT', `/api/results/${resultPath(key)}`, { body, contentType });
  }

  /** The bytes stored under `key`, or null when there are none. */
  readResult(key: string): Promise<string | null> {
    return this.#http.requestText('GET', `/api/results/${resultPath(key)}`);
  }

  /** The bytes stored under `key` as they are, or null when there are none. */
  readResultBytes(key: string): Promise<Buffer | null> {
    return this.#http.requestBytes('GET', `/api/results/${resultPath(key)}`);
  }

  createLogs(logs: LogCreate[]) {
    return this.#http.request('POST', '/api/logs', { body: logs, schema: LogsCreatedSchema });
  }

  /** Stores events (answered once they are durable); see docs/events.md. */
  createEvents(events: EventCreate[]) {
    return this.#http.request('POST', '/api/events', { body: events, schema: z.undefined() });
  }

  /** New events as the server stores them (see event-stream.ts). */
  streamEvents(filter: Partial<EventFilter>, options: Parameters<typeof streamEvents>[2] = {}) {
    return streamEvents(this.#http, filter, options);
  }

  filterEvents(body: z.input<typeof EventFilterBodySchema>) {
    return this.#http.request('POST', '/api/events/filter', { body, schema: EventPageSchema });
  }

  /** A page after the first: `nextPage` is a page's `next_page`. */
  nextEvents(nextPage: string) {
    return this.#http.request('GET', nextPage, { schema: EventPageSchema });
  }

  filterLogs(body: z.input<typeof LogFilterBodySchema>) {
    return this.#http.request('POST', '/api/logs/filter', { body, schema: z.array(LogSchema) });
  }

  // --- Deployments and what the CLI reads (edgeflow deploy/run/runs/logs/cancel, flow.serve) ---

  filterFlows(body: z.input<typeof FlowFilterBodySchema>) {
    return this.#http.request('POST', '/api/flows/filter', { body, schema: z.array(FlowSchema) });
  }

  /** Creates the deployment, or replaces the one with the same flow and name. */
  upsertDeployment(body: z.input<typeof DeploymentCreateSchema>) {
    return this.#http.request('POST', '/api/deployments', { body, schema: DeploymentSchema });
  }

  readDeploymentByName(flowName: string, deploymentName: string) {
    return this.#http.request(
      'GET',
      `/api/deployments/name/${pathPart(flowName)}/${pathPart(deploymentName)}`,
      { schema: DeploymentSchema },
    );
  }

  pauseDeployment(id: string) {
    return this.#http.request('POST', `/api/deployments/${pathPart(id)}/pause_deployment`, {
      schema: z.undefined(),
    });
  }

  createDeploymentFlowRun(id: string, body: z.input<typeof DeploymentFlowRunCreateSchema>) {
    return this.#http.request('POST', `/api/deployments/${pathPart(id)}/create_flow_run`, {
      body,
      schema: FlowRunSchema,
    });
  }
}
