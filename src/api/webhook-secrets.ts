// Webhook secrets: made once and shown once. A token is kept as its SHA-256; an HMAC key must be read
// back to check signatures, so it is sealed under EDGEFLOW_SECRET_KEY (src/api/sealed-secrets.ts).
import { checkSignature } from '../domain/webhooks/signatures';
import type { Env } from '../env';
import { openSecret, sealSecret } from './sealed-secrets';
import { sha256Hex } from './secrets';

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** Equal strings in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  return left.byteLength === right.byteLength && crypto.subtle.timingSafeEqual(left, right);
}

export function newWebhookSecret(): string {
  return `whsec_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

export function encryptSecret(env: Env, secret: string): Promise<string> {
  return sealSecret(env, 'webhookHmac', secret);
}

export const hashToken = sha256Hex;

export interface StoredSecret {
  auth: 'token' | 'hmac';
  secret_hash: string | null;
  secret_cipher: string | null;
}

/** What the request presents: its headers as sent, and its raw body. */
export interface WebhookRequest {
  authorization: string | undefined;
  signature: string | undefined;
  idempotencyKey: string | undefined;
  body: string;
}

/**
 * Whether the request carries the webhook's secret: its bearer token, or a current signature
 * (src/domain/webhooks/signatures.ts). For a signed request, the signature that matched names the
 * delivery; null means refused.
 */
export async function verifyWebhook(
  env: Env,
  stored: StoredSecret,
  request: WebhookRequest,
  now: Date,
): Promise<{ signature: string | null } | null> {
  if (stored.auth === 'token') {
    const token = /^Bearer\s+(.+)$/i.exec(request.authorization ?? '')?.[1]?.trim();
    const valid = !!token && !!stored.secret_hash && sameSecret(await hashToken(token), stored.secret_hash);
    return valid ? { signature: null } : null;
  }
  if (!request.signature || !stored.secret_cipher) return null;
  const check = await checkSignature(
    await openSecret(env, 'webhookHmac', stored.secret_cipher),
    { header: request.signature, idempotencyKey: request.idempotencyKey, body: request.body },
    now,
  );
  return check.valid ? { signature: check.signature } : null;
}
