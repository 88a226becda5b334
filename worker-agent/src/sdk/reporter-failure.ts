// Why a flow run's reporter can take no more reports, and the error its callers see for it.
import { FlowRunAbortedError } from './errors.ts';

/** Why the run can take no more reports: the server aborted it, the lease moved, or it is unreachable. */
export type ReporterFailure =
  | { kind: 'aborted'; reason: string }
  | { kind: 'stale_lease' }
  | { kind: 'error'; error: unknown };

export function failureError(failure: ReporterFailure): Error {
  switch (failure.kind) {
    case 'aborted':
      return new FlowRunAbortedError(failure.reason);
    case 'stale_lease':
      return new FlowRunAbortedError('The flow run is leased to another process now.');
    case 'error':
      return failure.error instanceof Error ? failure.error : new Error(String(failure.error));
  }
}
