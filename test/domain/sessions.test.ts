// Dashboard sessions: their lifetimes, the key rechecked behind them, the Origin a cookie must come
// from, and where sign-in may return to (docs/dashboard.md, "Sign-in and sessions").
import { describe, expect, it } from 'vitest';
import {
  type Holder,
  isLocalDevelopment,
  newSessionTimes,
  originRefusal,
  returnPath,
  SESSION_IDLE_MS,
  SESSION_LIFETIME_MS,
  SESSION_TOUCH_MS,
  sessionStanding,
} from '../../src/domain/auth/sessions';

const T0 = Date.parse('2026-03-01T08:00:00Z');
const readKey: Holder = {
  kind: 'api_key',
  keyId: 'k1',
  key: { scope: 'read', revokedAt: null, expiresAt: null },
};

describe('sessionStanding', () => {
  const started = { holder: readKey, ...newSessionTimes(T0) };

  it('signs the key in with its own scope, recording a use only every few minutes', () => {
    expect(sessionStanding(started, T0 + 1000)).toEqual({
      kind: 'valid',
      principal: { scope: 'read', keyId: 'k1' },
      touch: false,
    });
    expect(sessionStanding(started, T0 + SESSION_TOUCH_MS)).toMatchObject({ kind: 'valid', touch: true });
  });

  it('ends a session left idle for its idle limit', () => {
    expect(sessionStanding(started, T0 + SESSION_IDLE_MS - 1).kind).toBe('valid');
    expect(sessionStanding(started, T0 + SESSION_IDLE_MS)).toEqual({ kind: 'expired' });
  });

  it('ends a session at its lifetime however recently it was used', () => {
    const busy = { ...started, lastSeenAt: T0 + SESSION_LIFETIME_MS - 1000 };
    expect(sessionStanding(busy, T0 + SESSION_LIFETIME_MS - 1).kind).toBe('valid');
    expect(sessionStanding(busy, T0 + SESSION_LIFETIME_MS)).toEqual({ kind: 'expired' });
  });

  it('ends a session whose key is revoked, expired or gone', () => {
    const key = { scope: 'agent' as const, revokedAt: null, expiresAt: null };
    for (const holder of [
      { kind: 'api_key', keyId: 'k1', key: { ...key, revokedAt: '2026-03-01T08:00:01Z' } },
      { kind: 'api_key', keyId: 'k1', key: { ...key, expiresAt: '2026-03-01T08:00:01Z' } },
      { kind: 'api_key', keyId: 'k1', key: null },
    ] as Holder[]) {
      expect(sessionStanding({ ...started, holder }, T0 + 2000)).toEqual({ kind: 'key_invalid' });
    }
  });

  it('ends an admin-key session once the configured admin key is no longer the one it signed in with', () => {
    const admin = (adminKeyHolds: boolean): Holder => ({ kind: 'admin', adminKeyHolds });
    expect(sessionStanding({ ...started, holder: admin(true) }, T0 + 1)).toMatchObject({
      kind: 'valid',
      principal: { scope: 'admin', keyId: null },
    });
    expect(sessionStanding({ ...started, holder: admin(false) }, T0 + 1)).toEqual({ kind: 'key_invalid' });
  });
});

describe('originRefusal', () => {
  const server = 'http://127.0.0.1:8787';

  it('lets GET and HEAD through from anywhere: they change nothing', () => {
    expect(originRefusal('GET', undefined, server)).toBeNull();
    expect(originRefusal('HEAD', 'https://evil.test', server)).toBeNull();
  });

  it('refuses a change without an Origin, naming the header', () => {
    expect(originRefusal('POST', undefined, server)?.code).toBe('auth.origin_missing');
    expect(originRefusal('DELETE', '', server)?.code).toBe('auth.origin_missing');
  });

  it('refuses a change from another site, scheme or port, and takes only the exact origin', () => {
    for (const origin of ['https://evil.test', 'https://127.0.0.1:8787', 'http://127.0.0.1:8788', 'null']) {
      expect(originRefusal('POST', origin, server)?.code, origin).toBe('auth.origin_mismatch');
    }
    expect(originRefusal('PATCH', server, server)).toBeNull();
  });
});

describe('isLocalDevelopment', () => {
  it('is plain http to a loopback address only', () => {
    expect(isLocalDevelopment(new URL('http://127.0.0.1:8787/signin'))).toBe(true);
    expect(isLocalDevelopment(new URL('http://localhost:8787/'))).toBe(true);
    expect(isLocalDevelopment(new URL('http://[::1]:8787/'))).toBe(true);
    expect(isLocalDevelopment(new URL('https://127.0.0.1/'))).toBe(false);
    expect(isLocalDevelopment(new URL('http://edgeflow.example.com/'))).toBe(false);
    expect(isLocalDevelopment(new URL('https://edgeflow.workers.dev/'))).toBe(false);
  });
});

describe('returnPath', () => {
  it('keeps a path on this server, query included', () => {
    expect(returnPath('/runs?state=FAILED')).toBe('/runs?state=FAILED');
  });

  it('sends anything that could leave the server home instead', () => {
    for (const next of [undefined, '', 'runs', '//evil.test', '/\\evil.test', 'https://evil.test', '/a\nb']) {
      expect(returnPath(next), String(next)).toBe('/');
    }
  });
});
