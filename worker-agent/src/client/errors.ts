// The errors an API call can end in: the server said no (with its dotted code), or it could not be reached.

/** The server answered with an error status; `code` is the API's stable dotted code (`flow_run.not_found`). */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  /** The request field at fault, when the server names one (`parameters.name`). */
  readonly field: string | undefined;

  constructor(status: number, code: string, detail: string, method: string, path: string, field?: string) {
    super(`${method} ${path} → ${status} ${code}: ${detail}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.field = field;
  }
}

/** 409 on a call that carried a lease: the run was re-leased (agent restarted, run re-queued); stop writing. */
export class StaleLeaseError extends ApiError {
  override readonly name: string = 'StaleLeaseError';
}

/** 423: a concurrency limit has no free slots; `retryAfterSeconds` is the server's estimate of when to ask again. */
export class LockedError extends ApiError {
  override readonly name: string = 'LockedError';
  readonly retryAfterSeconds: number | null;

  constructor(
    status: number,
    code: string,
    detail: string,
    method: string,
    path: string,
    field: string | undefined,
    retryAfterSeconds: number | null,
  ) {
    super(status, code, detail, method, path, field);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The server could not be reached, or kept failing with 5xx/429, through every retry. */
export class ApiUnavailableError extends Error {
  override readonly name: string = 'ApiUnavailableError';
  readonly attempts: number;

  constructor(message: string, attempts: number, options?: { cause?: unknown }) {
    super(message, options);
    this.attempts = attempts;
  }
}

/** The server answered 2xx with a body that does not match the protocol: a version mismatch, not transient. */
export class ApiResponseError extends Error {
  override readonly name: string = 'ApiResponseError';
}
