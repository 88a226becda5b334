// Which key seals secrets at rest and which keys may still open them (docs/blocks.md, "Secrets at
// rest"): EDGEFLOW_SECRET_KEY, with EDGEFLOW_SECRET_KEY_PREVIOUS readable during a rotation. The
// admin key stands in only in local development, because rotating the admin key must never break
// stored secrets.

export interface SecretKeySettings {
  secretKey: string | undefined;
  previousKey: string | undefined;
  adminKey: string | undefined;
  /** Set by the local server and `wrangler dev` (EDGEFLOW_LOCAL_DEV=true), never by a deploy. */
  localDev: boolean;
}

export type SecretKeys =
  | { kind: 'ready'; current: string; older: string[] }
  | { kind: 'missing'; message: string };

const present = (key: string | undefined): key is string => typeof key === 'string' && key.length > 0;

/** The sealing key and, after it, every other key a stored ciphertext may have been sealed with. */
export function secretKeysOf(settings: SecretKeySettings): SecretKeys {
  const { secretKey, previousKey, adminKey, localDev } = settings;
  // Locally the admin key sealed secrets before a secret key was set: it stays readable there.
  const localAdmin = localDev && present(adminKey) ? [adminKey] : [];
  if (present(secretKey)) {
    const older = [...(present(previousKey) ? [previousKey] : []), ...localAdmin];
    return { kind: 'ready', current: secretKey, older: unique(older.filter((key) => key !== secretKey)) };
  }
  if (localAdmin.length > 0) {
    return { kind: 'ready', current: localAdmin[0]!, older: present(previousKey) ? [previousKey] : [] };
  }
  return {
    kind: 'missing',
    message:
      'No EDGEFLOW_SECRET_KEY is configured: set one with `wrangler secret put EDGEFLOW_SECRET_KEY` ' +
      '(any long random string) to store or read secrets. The admin key stands in for it only in ' +
      'local development.',
  };
}

function unique(keys: string[]): string[] {
  return [...new Set(keys)];
}

/** `v2.<key id>.<iv>.<sealed>`; a sealing from before key ids is `<iv>.<sealed>` (key unknown). */
export function parseSealed(cipher: string): { keyId: string | null; iv: string; sealed: string } | null {
  const parts = cipher.split('.');
  if (parts.length === 4 && parts[0] === 'v2') return { keyId: parts[1]!, iv: parts[2]!, sealed: parts[3]! };
  if (parts.length === 2) return { keyId: null, iv: parts[0]!, sealed: parts[1]! };
  return null;
}

export function sealedText(keyId: string, iv: string, sealed: string): string {
  return `v2.${keyId}.${iv}.${sealed}`;
}

/** The prefix every ciphertext sealed under `keyId` starts with (what rotation looks for). */
export function sealedPrefix(keyId: string): string {
  return `v2.${keyId}.`;
}
