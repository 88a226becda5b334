// One HTTP call to the Edgeflow API: bearer key, timeout, retries of transient failures, parsed responses.
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { ApiErrorBodySchema } from '../protocol/index.ts';
import { type BackoffPolicy, backoffDelayMs, DEFAULT_BACKOFF } from './backoff.ts';
import { ApiError, ApiResponseError, ApiUnavailableError, LockedError, StaleLeaseError } from './errors.ts';
import { exchange } from './node-http.ts';

export interface HttpOptions {
  /** Base URL of the control plane, for example `http://127.0.0.1:8787`. */
  apiUrl: string;
  apiKey: string;
  /** Attempts per call, the first included, before a transient failure becomes `ApiUnavailableError`. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Told of each transient failure that will be retried (the agent logs them). */
  onRetry?(failure: string, attempt: number, method: string, path: string): void;
}

export interface RequestOptions<S extends z.ZodType> {
  body?: unknown;
  /** Parses a 2xx body; a 204 or empty body is parsed as `undefined`. */
  schema: S;
  /** The call carries a lease: a 409 means the lease is stale. */
  leased?: boolean;
  /** Added to the per-attempt timeout, for long-polls the server holds open on purpose. */
  extraTimeoutMs?: number;
  signal?: AbortSignal;
  /** Attempts for this call, instead of the client's `maxAttempts`. */
  attempts?: number;
}

const DEFAULT_MAX_ATTEMPTS = 8;
const DEFAULT_TIMEOUT_MS = 30_000;
/** A server's Retry-After is honoured up to this. */
const MAX_RETRY_AFTER_MS = 30_000;

function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  return Number.isFinite(seconds) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, seconds * 1000)) : null;
}

export class HttpTransport {
  readonly apiUrl: string;
  readonly #apiKey: string;
  readonly #maxAttempts: number;
  readonly #backoff: BackoffPolicy;
  readonly #timeoutMs: number;
  readonly #onRetry: HttpOptions['onRetry'];

  constructor(options: HttpOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#onRetry = options.onRetry;
  }

  async request<S extends z.ZodType>(
    method: string,
    path: string,
    options: RequestOptions<S>,
  ): Promise<z.output<S>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    return this.#send(method, path, { ...options, headers, body }, (text) =>
      this.#parse(options.schema, text, method, path),
    );
  }

  /**
   * Opens a long-lived GET (a Server-Sent Events stream): one attempt, no timeout once it answers; a
   * refusal throws as `request` would.
   */
  async openStream(path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      headers: { ...headers, authorization: `Bearer ${this.#apiKey}`, accept: 'text/event-stream' },
      signal,
    });
    if (response.ok && response.body) return response;
    throw this.#apiError(response.status, await response.text(), 'GET', path, {});
  }

  /** A call whose body and answer are opaque text (stored results); null when the server says 404. */
  async requestText(
    method: 'GET' | 'PUT',
    path: string,
    options: { body?: string | Uint8Array; contentType?: string } = {},
  ): Promise<string | null> {
    const bytes = await this.requestBytes(method, path, options);
    return bytes === null ? null : bytes.toString('utf8');
  }

  /** As `requestText`, with the answer's bytes as they came (results of binary serializers). */
  async requestBytes(
    method: 'GET' | 'PUT',
    path: string,
    options: { body?: string | Uint8Array; contentType?: string } = {},
  ): Promise<Buffer | null> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}` };
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    try {
      return await this.#send(method, path, { headers, body: options.body }, (_text, bytes) => bytes);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  async #send<T>(
    method: string,
    path: string,
    options: Omit<RequestOptions<z.ZodType>, 'body' | 'schema'> & {
      headers: Record<string, string>;
      body: string | Uint8Array | undefined;
    },
    parse: (text: string, bytes: Buffer) => T,
  ): Promise<T> {
    const { headers, body } = options;
    let lastFailure = '';
    let lastCause: unknown;

    const attempts = options.attempts ?? this.#maxAttempts;
    const timeoutMs = this.#timeoutMs + (options.extraTimeoutMs ?? 0);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      options.signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let waitMs: number | null = null;
      try {
        const reply = await exchange(new URL(`${this.apiUrl}${path}`), { method, headers, body, signal });
        if (reply.status >= 200 && reply.status < 300) return parse(reply.text, reply.bytes);
        if (!isTransientStatus(reply.status))
          throw this.#apiError(reply.status, reply.text, method, path, options, reply.retryAfter);
        lastFailure = `${reply.status} ${reply.text.slice(0, 200)}`;
        waitMs = retryAfterMs(reply.retryAfter);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (error instanceof ApiError || error instanceof ApiResponseError) throw error;
        // A network failure, or the per-attempt timeout (which aborts the exchange): both are retried.
        lastFailure = timeout.aborted
          ? `TimeoutError: no answer within ${timeoutMs} ms`
          : error instanceof Error
            ? `${error.name}: ${error.message}`
            : String(error);
        lastCause = error;
      }
      if (attempt < attempts) {
        this.#onRetry?.(lastFailure, attempt, method, path);
        await sleep(waitMs ?? backoffDelayMs(attempt, this.#backoff), undefined, { signal: options.signal });
      }
    }
    throw new ApiUnavailableError(
      `${method} ${path} failed ${attempts === 1 ? 'once' : `${attempts} times`}; last: ${lastFailure}`,
      attempts,
      { cause: lastCause },
    );
  }

  #parse<S extends z.ZodType>(schema: S, text: string, method: string, path: string): z.output<S> {
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ApiResponseError(`${method} ${path}: the response is not JSON: ${text.slice(0, 200)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ApiResponseError(`${method} ${path}: unexpected response shape: ${parsed.error.message}`);
    }
    return parsed.data;
  }

  #apiError(
    status: number,
    text: string,
    method: string,
    path: string,
    options: { leased?: boolean },
    retryAfter: string | null = null,
  ): ApiError {
    let parsedBody: unknown;
    try {
      parsedBody = JSON.parse(text);
    } catch {
      parsedBody = undefined;
    }
    const parsed = ApiErrorBodySchema.safeParse(parsedBody);
    const code = parsed.success ? parsed.data.code : `http.${status}`;
    const detail = parsed.success ? parsed.data.detail : text.slice(0, 500);
    const field = parsed.success ? parsed.data.field : undefined;
    if (status === 423) {
      const seconds = Number(retryAfter ?? Number.NaN);
      return new LockedError(
        status,
        code,
        detail,
        method,
        path,
        field,
        Number.isFinite(seconds) ? seconds : null,
      );
    }
    if (status === 409 && options.leased)
      return new StaleLeaseError(status, code, detail, method, path, field);
    return new ApiError(status, code, detail, method, path, field);
  }
}
