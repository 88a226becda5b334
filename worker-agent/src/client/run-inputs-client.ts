// Calls on flow run inputs and the held read of a run's next state (docs/sdk.md, "Pause, suspend and
// input"): what pauseFlowRun, suspendFlowRun, sendInput and receiveInput use.
import { z } from 'zod';
import {
  type FlowRunInputCreate,
  type FlowRunInputFilter,
  FlowRunInputSchema,
  FlowRunSchema,
} from '../protocol/index.ts';
import { ApiError } from './errors.ts';
import type { HttpTransport } from './http.ts';

const inputs = (flowRunId: string) => `/api/flow_runs/${encodeURIComponent(flowRunId)}/input`;
const NO_BODY = z.unknown();

export class RunInputsClient {
  readonly #http: HttpTransport;

  constructor(http: HttpTransport) {
    this.#http = http;
  }

  create(flowRunId: string, body: FlowRunInputCreate) {
    return this.#http.request('POST', inputs(flowRunId), { body, schema: FlowRunInputSchema });
  }

  /** The input's value (parsed JSON), or undefined when the run has no input of that key. */
  async read(flowRunId: string, key: string): Promise<unknown> {
    try {
      return await this.#http.request('GET', `${inputs(flowRunId)}/${encodeURIComponent(key)}`, {
        schema: NO_BODY,
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && error.code === 'flow_run_input.not_found')
        return undefined;
      throw error;
    }
  }

  /** With `wait_seconds`, the server holds the call until an input matches (or the wait runs out). */
  filter(flowRunId: string, body: FlowRunInputFilter, signal?: AbortSignal) {
    return this.#http.request('POST', `${inputs(flowRunId)}/filter`, {
      body,
      schema: z.array(FlowRunInputSchema),
      extraTimeoutMs: (body.wait_seconds ?? 0) * 1000,
      signal,
    });
  }

  remove(flowRunId: string, key: string) {
    return this.#http.request('DELETE', `${inputs(flowRunId)}/${encodeURIComponent(key)}`, {
      schema: NO_BODY,
    });
  }

  /** The run once its state is no longer `afterStateId`, or as it is after `waitSeconds` (held by the server). */
  nextState(flowRunId: string, afterStateId: string | null, waitSeconds: number, signal?: AbortSignal) {
    const query = new URLSearchParams({ wait_seconds: String(waitSeconds) });
    if (afterStateId) query.set('after', afterStateId);
    return this.#http.request('GET', `/api/flow_runs/${encodeURIComponent(flowRunId)}/next_state?${query}`, {
      schema: FlowRunSchema,
      extraTimeoutMs: waitSeconds * 1000,
      signal,
    });
  }
}
