// Secrets at rest, for every kind that must be read back (block document data, webhook HMAC keys):
// AES-GCM under a key derived (HKDF) from EDGEFLOW_SECRET_KEY, each ciphertext tagged with the id of
// the key that sealed it, so a rotation finds what the old key sealed (docs/blocks.md).
import { parseSealed, type SecretKeys, sealedText, secretKeysOf } from '../domain/secrets/keys';
import type { Env } from '../env';
import { ApiError } from './errors';
import { sha256Hex } from './secrets';

const encoder = new TextEncoder();

/** What is sealed; each keeps the HKDF salt and info it was first sealed under, so old ciphertexts open. */
export const SEAL_PURPOSES = {
  blockData: { salt: 'edgeflow-blocks', info: 'block-data-v1' },
  webhookHmac: { salt: 'edgeflow-webhooks', info: 'hmac-secret-v1' },
} as const;
export type SealPurpose = keyof typeof SEAL_PURPOSES;

/** Chunked, so a large document does not spread half a megabyte of arguments into one call. */
function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The configured keys, or the refusal every route that stores or reads a secret answers. */
export function configuredKeys(env: Env): Extract<SecretKeys, { kind: 'ready' }> {
  const keys = secretKeysOf({
    secretKey: env.EDGEFLOW_SECRET_KEY,
    previousKey: env.EDGEFLOW_SECRET_KEY_PREVIOUS,
    adminKey: env.EDGEFLOW_API_KEY,
    localDev: env.EDGEFLOW_LOCAL_DEV === 'true',
  });
  if (keys.kind === 'missing') throw new ApiError(503, 'secrets.not_configured', keys.message);
  return keys;
}

const keyIds = new Map<string, Promise<string>>();
/** A short public name for a key: a hash of it, never the key. */
export function keyIdOf(material: string): Promise<string> {
  let id = keyIds.get(material);
  if (!id) {
    id = sha256Hex(`edgeflow-secret-key-id\n${material}`).then((hex) => hex.slice(0, 12));
    keyIds.set(material, id);
  }
  return id;
}

/** Derived keys, per key and purpose, kept for the isolate: HKDF on every read would be waste. */
const derived = new Map<string, Promise<CryptoKey>>();
function aesKey(material: string, purpose: SealPurpose): Promise<CryptoKey> {
  const cacheKey = `${purpose}\n${material}`;
  let key = derived.get(cacheKey);
  if (!key) {
    const { salt, info } = SEAL_PURPOSES[purpose];
    key = crypto.subtle
      .importKey('raw', encoder.encode(material), 'HKDF', false, ['deriveKey'])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode(salt), info: encoder.encode(info) },
          base,
          { name: 'AES-GCM', length: 256 },
          false,
          ['encrypt', 'decrypt'],
        ),
      );
    derived.set(cacheKey, key);
  }
  return key;
}

export async function sealSecret(env: Env, purpose: SealPurpose, plain: string): Promise<string> {
  const { current } = configuredKeys(env);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv },
    await aesKey(current, purpose),
    encoder.encode(plain),
  );
  return sealedText(await keyIdOf(current), base64Url(iv), base64Url(new Uint8Array(sealed)));
}

async function openWith(material: string, purpose: SealPurpose, iv: string, sealed: string): Promise<string> {
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64Url(iv) },
    await aesKey(material, purpose),
    fromBase64Url(sealed),
  );
  return new TextDecoder().decode(plain);
}

/**
 * Opens a ciphertext with the key its id names; one sealed before key ids were recorded is tried with
 * each configured key (AES-GCM refuses a wrong one). A ciphertext no configured key opens is a 500
 * that names the cause: the key it was sealed with is gone.
 */
export async function openSecret(env: Env, purpose: SealPurpose, cipher: string): Promise<string> {
  const { current, older } = configuredKeys(env);
  const parsed = parseSealed(cipher);
  if (parsed) {
    for (const material of [current, ...older]) {
      if (parsed.keyId !== null && parsed.keyId !== (await keyIdOf(material))) continue;
      try {
        return await openWith(material, purpose, parsed.iv, parsed.sealed);
      } catch {
        // Not this key: try the next.
      }
    }
  }
  throw new ApiError(
    500,
    'secrets.unreadable',
    'A stored secret was sealed with a key that is no longer configured: set the old key as ' +
      'EDGEFLOW_SECRET_KEY_PREVIOUS to read it again.',
  );
}

/** The id of the key new secrets are sealed with. */
export function currentKeyId(env: Env): Promise<string> {
  return keyIdOf(configuredKeys(env).current);
}
