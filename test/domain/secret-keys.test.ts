// Which key seals secrets at rest and which keys still open them, and the system block types'
// recorded checksums (docs/blocks.md).
import { describe, expect, it } from 'vitest';
import { blockSchemaChecksum } from '../../src/domain/blocks/checksum';
import { missingSystemBlocks, SYSTEM_BLOCKS } from '../../src/domain/blocks/system-types';
import { parseSealed, secretKeysOf } from '../../src/domain/secrets/keys';

const settings = { secretKey: undefined, previousKey: undefined, adminKey: 'admin', localDev: false };

describe('the secret key', () => {
  it('is required when deployed: the admin key never stands in there', () => {
    const keys = secretKeysOf(settings);
    expect(keys.kind).toBe('missing');
    expect(keys.kind === 'missing' && keys.message).toContain('EDGEFLOW_SECRET_KEY');
  });

  it('is the admin key only in local development', () => {
    expect(secretKeysOf({ ...settings, localDev: true })).toEqual({
      kind: 'ready',
      current: 'admin',
      older: [],
    });
  });

  it('seals with EDGEFLOW_SECRET_KEY and still opens with the previous key (and locally the admin key)', () => {
    expect(secretKeysOf({ ...settings, secretKey: 'new', previousKey: 'old' })).toEqual({
      kind: 'ready',
      current: 'new',
      older: ['old'],
    });
    expect(secretKeysOf({ ...settings, secretKey: 'new', previousKey: 'old', localDev: true })).toEqual({
      kind: 'ready',
      current: 'new',
      older: ['old', 'admin'],
    });
  });

  it('reads a key id from new ciphertexts, none from those sealed before key ids', () => {
    expect(parseSealed('v2.abc123.iv.body')).toEqual({ keyId: 'abc123', iv: 'iv', sealed: 'body' });
    expect(parseSealed('iv.body')).toEqual({ keyId: null, iv: 'iv', sealed: 'body' });
    expect(parseSealed('garbage')).toBeNull();
  });
});

describe('system block types', () => {
  it.each(SYSTEM_BLOCKS.map((block) => [block.type.slug, block] as const))(
    '%s carries the checksum its fields hash to (for Prefect types, the one Prefect 2.15 computes)',
    async (_slug, block) => {
      expect(await blockSchemaChecksum(block.schema.fields)).toBe(block.schema.checksum);
      expect(block.schema.fields.block_type_slug).toBe(block.type.slug);
    },
  );

  it('are all missing from an empty database and none once each schema is there', () => {
    expect(missingSystemBlocks(new Set())).toHaveLength(SYSTEM_BLOCKS.length);
    const all = new Set(SYSTEM_BLOCKS.map((b) => `${b.type.slug} ${b.schema.checksum} ${b.schema.version}`));
    expect(missingSystemBlocks(all)).toEqual([]);
  });
});
