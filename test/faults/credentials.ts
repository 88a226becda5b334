// Bad credentials for the auth matrix, and how a webhook call is signed.
import { createHmac } from 'node:crypto';
import { DEV_KEY } from '../e2e/harness.ts';

export interface Credential {
  label: string;
  headers: Record<string, string>;
  /** Appended to the path (a key in the query string is not a key). */
  query?: string;
  /** Statuses besides 401 that refuse it properly (an oversized header may be refused as too large). */
  alsoAccepted?: number[];
}

export interface KnownKeys {
  /** A well-formed key whose id exists, with the wrong secret. */
  wrongSecret: string;
  revoked: string;
  expired: string;
}

export function badCredentials(keys: KnownKeys): Credential[] {
  const bearer = (token: string, label: string): Credential => ({
    label,
    headers: { authorization: `Bearer ${token}` },
  });
  return [
    { label: 'no Authorization header', headers: {} },
    { label: 'empty Authorization header', headers: { authorization: '' } },
    { label: '"Bearer" and no key', headers: { authorization: 'Bearer' } },
    { label: '"Bearer" and spaces', headers: { authorization: 'Bearer    ' } },
    {
      label: 'Basic scheme with the key',
      headers: { authorization: `Basic ${Buffer.from(`:${DEV_KEY}`).toString('base64')}` },
    },
    { label: 'Token scheme with the key', headers: { authorization: `Token ${DEV_KEY}` } },
    bearer(`${DEV_KEY}x`, 'the admin key with a character more'),
    bearer(DEV_KEY.slice(0, -1), 'the admin key less a character'),
    bearer(DEV_KEY.toUpperCase(), 'the admin key in capitals'),
    bearer(`${DEV_KEY}\u00e9`, 'the admin key and a Latin-1 byte'),
    bearer(keys.wrongSecret, 'a real key id with the wrong secret'),
    bearer(`ef_000000000000_${'A'.repeat(32)}`, 'a well-formed key that does not exist'),
    bearer(keys.revoked, 'a revoked key'),
    bearer(keys.expired, 'an expired key'),
    { ...bearer('a'.repeat(100_000), 'a 100,000-character key'), alsoAccepted: [413, 431] },
    { label: 'the key in the query string', headers: {}, query: `api_key=${DEV_KEY}` },
    { label: 'the key in X-API-Key', headers: { 'x-api-key': DEV_KEY } },
  ];
}

/**
 * How a webhook call is signed (docs/deployments.md): `t=<unix seconds>,v1=<hex>`, the HMAC-SHA256 of
 * `<t>.<idempotency key>.<body>` (no key here, so `<t>..<body>`). Returned as a list so that a change of
 * format shows as "no signature this suite knows was accepted" rather than passing unnoticed.
 */
export function webhookSignatures(secret: string, body: string, now = Date.now()): Record<string, string>[] {
  const hmac = (text: string) => createHmac('sha256', secret).update(text).digest('hex');
  const seconds = String(Math.floor(now / 1000));
  return [{ 'x-edgeflow-signature': `t=${seconds},v1=${hmac(`${seconds}..${body}`)}` }];
}
