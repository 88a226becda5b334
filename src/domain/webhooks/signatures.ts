// Signed webhook requests (docs/deployments.md): `X-Edgeflow-Signature: t=<unix seconds>,v1=<hex>`,
// the HMAC-SHA256 under the webhook's secret of `<t>.<idempotency key>.<raw body>` (the key empty when
// the request sends none). The timestamp is signed, so a captured request is refused once it is five
// minutes old; inside that window the signature itself names the delivery, so a replay makes no run.

/** How far a signature's timestamp may be from the server's clock, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Idempotency keys are visible ASCII without `.`, so the signed content splits one way only. */
const IDEMPOTENCY_KEY = /^[\x21-\x2d\x2f-\x7e]{1,200}$/;

export function isValidIdempotencyKey(key: string): boolean {
  return IDEMPOTENCY_KEY.test(key);
}

export function signedContent(timestamp: number, idempotencyKey: string | undefined, body: string): string {
  return `${timestamp}.${idempotencyKey ?? ''}.${body}`;
}

const encoder = new TextEncoder();

export async function hmacSha256Hex(secret: string, content: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(content));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The `X-Edgeflow-Signature` value a sender puts on a request (tests and clients sign with it). */
export async function signatureHeader(
  secret: string,
  body: string,
  options: { timestamp: number; idempotencyKey?: string },
): Promise<string> {
  const content = signedContent(options.timestamp, options.idempotencyKey, body);
  return `t=${options.timestamp},v1=${await hmacSha256Hex(secret, content)}`;
}

/** `t=…,v1=…[,v1=…]`: one timestamp, one or more signatures (several ease a change of secret). */
export function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [name, value = ''] = part.trim().split('=', 2) as [string, string?];
    if (name === 't' && /^\d{1,12}$/.test(value) && timestamp === null) timestamp = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
    else return null;
  }
  return timestamp === null || signatures.length === 0 || signatures.length > 5
    ? null
    : { timestamp, signatures };
}

/** Equal hex strings, compared in time that does not depend on where they differ. */
function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

export type SignatureCheck = { valid: true; signature: string } | { valid: false };

/**
 * Whether `header` signs this body and idempotency key under `secret`, at a time within the tolerance
 * of `now`. A valid answer carries the signature that matched: it names this one delivery.
 */
export async function checkSignature(
  secret: string,
  request: { header: string | undefined; idempotencyKey: string | undefined; body: string },
  now: Date,
): Promise<SignatureCheck> {
  const parsed = request.header ? parseSignatureHeader(request.header) : null;
  if (!parsed) return { valid: false };
  if (Math.abs(now.getTime() / 1000 - parsed.timestamp) > SIGNATURE_TOLERANCE_SECONDS)
    return { valid: false };
  const expected = await hmacSha256Hex(
    secret,
    signedContent(parsed.timestamp, request.idempotencyKey, request.body),
  );
  const signature = parsed.signatures.find((candidate) => sameHex(candidate, expected));
  return signature ? { valid: true, signature } : { valid: false };
}
