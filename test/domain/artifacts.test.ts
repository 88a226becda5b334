// Artifact rules: what each type's data must be (Prefect's client's forms included), that only progress
// changes in place, and that the markdown reader and tables keep to safe, sortable shapes (docs/artifacts.md).
import { describe, expect, it } from 'vitest';
import { artifactDataProblem, newArtifact, updatedArtifact } from '../../src/domain/artifacts';
import { sortedRows, tableOf } from '../../src/domain/dashboard/artifact-table';
import { readInlines, readMarkdown } from '../../src/domain/dashboard/markdown';

const now = new Date('2026-01-01T00:00:00Z');

describe('artifactDataProblem', () => {
  it.each([
    ['markdown', '# hi'],
    ['link', '[docs](https://example.com)'],
    ['progress', 0],
    ['progress', 100],
    ['image', 'https://example.com/a.png'],
    ['table', [{ a: 1 }]],
    ['table', { a: [1, 2] }],
    ['table', [[1, 2]]],
    // Prefect's client sends `json.dumps(table)`.
    ['table', '[{"a": 1}]'],
  ] as const)('accepts %s %j', (type, data) => {
    expect(artifactDataProblem(type, data)).toBeNull();
  });

  it.each([
    ['markdown', 1],
    ['progress', -1],
    ['progress', Number.NaN],
    ['image', 'javascript:alert(1)'],
    ['image', 'data:image/png;base64,xx'],
    ['table', 'not json'],
    ['table', [1, 2]],
    ['table', { a: 1 }],
  ] as const)('refuses %s %j', (type, data) => {
    expect(artifactDataProblem(type, data)).toMatch(/data is/);
  });
});

describe('updatedArtifact', () => {
  it('moves a progress artifact and refuses new data for any other type, naming data', () => {
    const progress = newArtifact({ type: 'progress', data: 10 }, 'p', now);
    const later = new Date('2026-01-01T00:01:00Z');
    expect(updatedArtifact(progress, { data: 60 }, later)).toEqual({
      artifact: { ...progress, data: 60, updated: later.toISOString() },
    });
    const markdown = newArtifact({ type: 'markdown', data: 'x' }, 'm', now);
    expect(updatedArtifact(markdown, { data: 'y' }, later)).toMatchObject({ field: 'data' });
    expect(updatedArtifact(markdown, { description: 'd' }, later)).toMatchObject({
      artifact: { description: 'd' },
    });
  });
});

describe('markdown reader', () => {
  it('keeps only http(s), mailto and relative links; other targets stay text', () => {
    const inlines = readInlines('[a](javascript:alert(1)) [b](https://x.y) [c](/runs) [d](//evil.example)');
    expect(inlines.filter((inline) => inline.kind === 'link')).toEqual([
      { kind: 'link', text: 'b', href: 'https://x.y' },
      { kind: 'link', text: 'c', href: '/runs' },
    ]);
    expect(inlines.map((inline) => inline.text).join('')).toContain('[a](javascript:alert(1)');
  });

  it('reads headings, lists, code and paragraphs; raw HTML is text', () => {
    expect(readMarkdown('# T\n\n<b>x</b>\n\n1. a\n2. b\n\n```\ncode\n```')).toEqual([
      { kind: 'heading', level: 1, inlines: [{ kind: 'text', text: 'T' }] },
      { kind: 'paragraph', inlines: [{ kind: 'text', text: '<b>x</b>' }] },
      { kind: 'list', ordered: true, items: [[{ kind: 'text', text: 'a' }], [{ kind: 'text', text: 'b' }]] },
      { kind: 'code', text: 'code' },
    ]);
  });
});

describe('tables', () => {
  it('read all three forms as columns and rows, and sort by a column', () => {
    expect(tableOf({ a: [2, 1], b: ['x', 'y'] })).toEqual({
      columns: ['a', 'b'],
      rows: [
        [2, 'x'],
        [1, 'y'],
      ],
    });
    const table = tableOf([{ n: 10 }, { n: 9 }, { n: null }])!;
    expect(sortedRows(table, 'n', false)).toEqual([[9], [10], [null]]);
    expect(sortedRows(table, 'missing', false)).toEqual(table.rows);
  });
});
