// API keys: the secret is shown once at creation; lists show only its prefix.
import { z } from 'zod';
import { IsoDateTimeSchema, NameSchema } from './common.ts';

export const API_KEY_SCOPES = ['admin', 'agent', 'read'] as const;
export const ApiKeyScopeSchema = z.enum(API_KEY_SCOPES);
export type ApiKeyScope = z.infer<typeof ApiKeyScopeSchema>;

export const ApiKeyCreateSchema = z.object({
  name: NameSchema,
  scope: ApiKeyScopeSchema,
  expires_at: IsoDateTimeSchema.optional(),
});

export const ApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: ApiKeyScopeSchema,
  prefix: z.string(),
  created: IsoDateTimeSchema,
  expires_at: IsoDateTimeSchema.nullable(),
  revoked_at: IsoDateTimeSchema.nullable(),
  last_used_at: IsoDateTimeSchema.nullable(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const ApiKeyCreatedSchema = ApiKeySchema.extend({ key: z.string() });

/**
 * A one-time dashboard sign-in link (`POST /api/sign_in_tokens`, admin): shown once, works once and
 * briefly, and signs in as the key that made it. The link carries this token, never a key.
 */
export const SignInTokenCreatedSchema = z.object({
  token: z.string(),
  sign_in_url: z.string(),
  expires_at: IsoDateTimeSchema,
});
export type SignInTokenCreated = z.infer<typeof SignInTokenCreatedSchema>;
