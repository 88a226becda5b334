// One-time dashboard sign-in links: made by an admin key (`npm run dev` prints one), stored hashed,
// used once by the sign-in page (docs/dashboard.md, "Sign-in and sessions").
import { createRoute } from '@hono/zod-openapi';
import { SignInTokenCreatedSchema } from 'edgeflow/protocol';
import { insertSignInToken } from '../../db/sessions';
import { SIGN_IN_TOKEN_MS } from '../../domain/auth/sessions';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonResponse } from '../router';
import { adminKeyCheck, randomSecret, sha256Hex } from '../secrets';

const createToken = createRoute({
  method: 'post',
  path: '/sign_in_tokens',
  security: requiresScope('admin'),
  summary: 'Make a one-time dashboard sign-in link for the calling key; shown once, valid for 15 minutes',
  responses: { 201: jsonResponse(SignInTokenCreatedSchema, 'The link, with its token') },
});

export const signInTokensRouter = createRouter().openapi(createToken, async (c) => {
  const { keyId } = c.get('principal');
  const now = Date.now();
  const token = randomSecret();
  const expiresAt = now + SIGN_IN_TOKEN_MS;
  await insertSignInToken(c.env.DB, {
    id: await sha256Hex(token),
    keyId,
    adminKeyCheck: keyId ? null : await adminKeyCheck(token, c.env.EDGEFLOW_API_KEY ?? ''),
    createdAt: now,
    expiresAt,
  });
  const url = new URL('/signin', c.req.url);
  url.searchParams.set('token', token);
  return c.json({ token, sign_in_url: url.href, expires_at: new Date(expiresAt).toISOString() }, 201);
});
