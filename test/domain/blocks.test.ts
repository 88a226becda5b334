// Block rules: Prefect's schema checksum, hidden secrets, and secrets kept across a write-back.
import { describe, expect, it } from 'vitest';
import { blockSchemaChecksum, pythonJson } from '../../src/domain/blocks/checksum';
import { HIDDEN_SECRET, hideSecrets, isSecretPath, updatedBlockData } from '../../src/domain/blocks/secrets';
// Fields and checksums printed by Prefect 2.15's own client (`Block._calculate_schema_checksum`).
import prefectSchemas from './prefect-block-schemas.json';

describe('block schema checksum', () => {
  it.each(prefectSchemas.map((row) => [row.fields.title, row] as const))(
    'matches the checksum Prefect computes for %s',
    async (_title, row) => {
      expect(await blockSchemaChecksum(row.fields)).toBe(row.checksum);
    },
  );

  it('prints JSON as Python does: sorted keys, spaced separators, ASCII escapes', () => {
    expect(pythonJson({ b: [1, 'é\n'], a: null, c: { '\u007f': true } })).toBe(
      '{"a": null, "b": [1, "\\u00e9\\n"], "c": {"\\u007f": true}}',
    );
  });
});

describe('block secrets', () => {
  const data = { user: 'u', password: 'p', nested: { token: 't', deeper: { key: 'k' } }, empty: null };

  it('hides plain and wildcard secret fields, and leaves unset ones alone', () => {
    const hidden = hideSecrets(data, ['password', 'nested.*', 'empty']);
    expect(hidden).toEqual({
      user: 'u',
      password: HIDDEN_SECRET,
      nested: { token: HIDDEN_SECRET, deeper: { key: HIDDEN_SECRET } },
      empty: null,
    });
    expect(data.password).toBe('p');
  });

  it('matches a dotted path only in full', () => {
    expect(isSecretPath(['a', 'b'], ['a.b'])).toBe(true);
    expect(isSecretPath(['a'], ['a.b'])).toBe(false);
    expect(isSecretPath(['a', 'b', 'c'], ['a.b'])).toBe(false);
  });

  it('keeps the stored secret when the placeholder is written back', () => {
    const written = updatedBlockData(
      data,
      { password: HIDDEN_SECRET, user: 'v' },
      { merge: true, secretFields: ['password'] },
    );
    expect(written).toMatchObject({ user: 'v', password: 'p', nested: { token: 't' } });
  });

  it('replaces the data whole when not merging', () => {
    expect(updatedBlockData(data, { user: 'w' }, { merge: false, secretFields: [] })).toEqual({ user: 'w' });
  });
});
