// Webhook secrets: made once and shown once. A token is kept as its SHA-256; an HMAC key must be read
// back to check signatures, so it is kept AES-GCM encrypted under a key derived (HKDF) from
// EDGEFLOW_SECRET_KEY, or from EDGEFLOW_API_KEY when that is not set (local development).
import { checkSignature } from '../domain/webhooks/signatures';
import type { Env } from '../env';
import { ApiError } from './errors';
import { sha256Hex } from './secrets';

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
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

async function encryptionKey(env: Env): Promise<CryptoKey> {
  const material = env.EDGEFLOW_SECRET_KEY ?? env.EDGEFLOW_API_KEY;
  if (!material) {
    throw new ApiError(503, 'webhook.no_secret_key', 'Set EDGEFLOW_SECRET_KEY to use HMAC webhooks.');
  }
  const base = await crypto.subtle.importKey('raw', encoder.encode(material), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: encoder.encode('edgeflow-webhooks'),
      info: encoder.encode('hmac-secret-v1'),
    },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

export async function encryptSecret(env: Env, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv },
    await encryptionKey(env),
    encoder.encode(secret),
  );
  return `${base64url(iv)}.${base64url(new Uint8Array(sealed))}`;
}

async function decryptSecret(env: Env, cipher: string): Promise<string> {
  const [iv, sealed] = cipher.split('.');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64url(iv!) },
    await encryptionKey(env),
    fromBase64url(sealed!),
  );
  return new TextDecoder().decode(plain);
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
    await decryptSecret(env, stored.secret_cipher),
    { header: request.signature, idempotencyKey: request.idempotencyKey, body: request.body },
    now,
  );
  return check.valid ? { signature: check.signature } : null;
}
