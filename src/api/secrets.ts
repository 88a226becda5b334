// Hashing and minting of the secrets the API checks: keys, session cookies and sign-in links.

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function sameHash(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  return left.byteLength === right.byteLength && crypto.subtle.timingSafeEqual(left, right);
}

/** The configured admin key's hash, computed once per isolate (and again if the secret changes). */
let adminHash: { key: string; hash: Promise<string> } | null = null;
export function adminKeyHash(key: string): Promise<string> {
  if (adminHash?.key !== key) adminHash = { key, hash: sha256Hex(key) };
  return adminHash.hash;
}

/** Whether `key` is the configured admin key that the cached hash above was made from. */
export function isCachedAdminKey(key: string | undefined): boolean {
  return adminHash?.key === key;
}

export function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** 256 random bits, base64url: a session cookie's value or a sign-in link's token. */
export function randomSecret(): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** What `randomSecret` makes; anything else is refused before it costs a hash or a query. */
export const SECRET_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/**
 * Binds a session or sign-in link made with the configured admin key to that key: a hash of the
 * secret and the key's hash. A stored check proves nothing without the secret (kept only hashed), and
 * once the admin key changes no check matches it.
 */
export async function adminKeyCheck(secret: string, adminKey: string): Promise<string> {
  return sha256Hex(`${secret}\n${await adminKeyHash(adminKey)}`);
}
