// The errors users throw to steer a task, and the ones the SDK raises; checked by name so copies agree.

/** Throw it from a task (or flow) to fail at once: no retries, whatever the retry settings say. */
export class NonRetriableError extends Error {
  override readonly name: string = 'NonRetriableError';
}

/** A task or flow ran longer than its `timeoutSeconds`: its run ends FAILED, named TimedOut. */
export class TimedOutError extends Error {
  override readonly name: string = 'TimedOutError';

  constructor(what: string, seconds: number) {
    super(`${what} exceeded its timeout of ${seconds} s`);
  }
}

/** A task did not run because a task it waits for failed: it stays PENDING, named NotReady. */
export class UpstreamFailedError extends Error {
  override readonly name: string = 'UpstreamFailedError';
}

/** The server stopped the flow run (cancelled, lease lost): no more tasks start. */
export class FlowRunAbortedError extends Error {
  override readonly name: string = 'FlowRunAbortedError';
}

/** Flow parameters that fail the flow's zod schema. */
export class ParameterValidationError extends Error {
  override readonly name: string = 'ParameterValidationError';
}

/** A stored result could not be read back (expired, deleted, or not JSON). */
export class ResultMissingError extends Error {
  override readonly name: string = 'ResultMissingError';
}

export function isNonRetriable(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'NonRetriableError' ||
      error.name === 'FlowRunAbortedError' ||
      error.name === 'UpstreamFailedError' ||
      error.name === 'ResultKeyError')
  );
}

/** "TypeError: boom", the failure's type first, as a state message shows it. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
