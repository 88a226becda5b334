// Signed webhook requests: the header's form, the five-minute window either way, and what is signed.
import { describe, expect, it } from 'vitest';
import {
  checkSignature,
  isValidIdempotencyKey,
  parseSignatureHeader,
  signatureHeader,
} from '../../src/domain/webhooks/signatures';

const SECRET = 'whsec_test';
const T = 1_800_000_000;
const at = (seconds: number) => new Date(seconds * 1000);

describe('parseSignatureHeader', () => {
  it('reads one timestamp and one or more v1 signatures', () => {
    const hex = 'ab'.repeat(32);
    expect(parseSignatureHeader(`t=${T},v1=${hex}`)).toEqual({ timestamp: T, signatures: [hex] });
    expect(parseSignatureHeader(`t=${T}, v1=${hex}, v1=${'CD'.repeat(32)}`)?.signatures).toEqual([
      hex,
      'cd'.repeat(32),
    ]);
  });

  it('refuses anything else: no time, no signature, two times, unknown parts, the old sha256= form', () => {
    const hex = 'ab'.repeat(32);
    for (const header of [
      `v1=${hex}`,
      `t=${T}`,
      `t=${T},t=${T},v1=${hex}`,
      `t=${T},v1=${hex},x=1`,
      `sha256=${hex}`,
      `t=-1,v1=${hex}`,
    ]) {
      expect(parseSignatureHeader(header), header).toBeNull();
    }
  });
});

describe('checkSignature', () => {
  const request = async (options: { timestamp?: number; idempotencyKey?: string; body?: string } = {}) => ({
    header: await signatureHeader(SECRET, options.body ?? '{}', {
      timestamp: options.timestamp ?? T,
      ...options,
    }),
    idempotencyKey: options.idempotencyKey,
    body: options.body ?? '{}',
  });

  it('accepts a signature up to five minutes either side of now, and no further', async () => {
    const signed = await request();
    expect((await checkSignature(SECRET, signed, at(T + 300))).valid).toBe(true);
    expect((await checkSignature(SECRET, signed, at(T - 300))).valid).toBe(true);
    expect((await checkSignature(SECRET, signed, at(T + 301))).valid).toBe(false);
    expect((await checkSignature(SECRET, signed, at(T - 301))).valid).toBe(false);
  });

  it('signs the time, the idempotency key and the body', async () => {
    const signed = await request({ idempotencyKey: 'delivery-1' });
    expect((await checkSignature(SECRET, signed, at(T))).valid).toBe(true);
    const retimed = { ...signed, header: signed.header.replace(`t=${T}`, `t=${T + 1}`) };
    expect((await checkSignature(SECRET, retimed, at(T))).valid).toBe(false);
    expect((await checkSignature(SECRET, { ...signed, idempotencyKey: 'delivery-2' }, at(T))).valid).toBe(
      false,
    );
    expect((await checkSignature(SECRET, { ...signed, idempotencyKey: undefined }, at(T))).valid).toBe(false);
    expect((await checkSignature(SECRET, { ...signed, body: '{"a":1}' }, at(T))).valid).toBe(false);
    expect((await checkSignature('whsec_other', signed, at(T))).valid).toBe(false);
  });
});

describe('isValidIdempotencyKey', () => {
  it('takes 1-200 visible ASCII characters other than the separator "."', () => {
    expect(isValidIdempotencyKey('3f1c-delivery_1:a')).toBe(true);
    for (const key of ['', 'a.b', 'has space', 'k'.repeat(201), 'é'])
      expect(isValidIdempotencyKey(key), key).toBe(false);
  });
});
