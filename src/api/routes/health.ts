// Liveness: the one route that needs no key.
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, jsonResponse } from '../router';

const health = createRoute({
  method: 'get',
  path: '/health',
  // Public: in the auth exemption list (docs/api-scopes.md).
  security: [],
  responses: { 200: jsonResponse(z.object({ status: z.literal('ok') }), 'The API is up') },
});

export const healthRouter = createRouter().openapi(health, (c) => c.json({ status: 'ok' as const }, 200));
