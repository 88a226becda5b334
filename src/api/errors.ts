// One error family for the whole API: a status, a stable dotted code and, for bad input, the field.
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (resource: string, id: string) =>
  new ApiError(404, `${resource}.not_found`, `${resource.replace(/_/g, ' ')} ${id} not found`);

/** A flow run names a flow that does not exist. */
export const flowNotFound = (flowId: string) =>
  new ApiError(404, 'flow.not_found', `flow ${flowId} not found`, 'flow_id');

export const badRequest = (code: string, message: string, field?: string) =>
  new ApiError(400, code, message, field);

export const conflict = (code: string, message: string, field?: string) =>
  new ApiError(409, code, message, field);
