// The one-pass check of a JSON body's text: nesting depth and unpaired surrogates, with their paths.
import { describe, expect, it } from 'vitest';
import { jsonTextProblem, MAX_JSON_DEPTH } from '../../src/domain/input/json-text';

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('jsonTextProblem: depth', () => {
  it('allows MAX_JSON_DEPTH levels, counting the body itself', () => {
    expect(jsonTextProblem(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(jsonTextProblem(nested(MAX_JSON_DEPTH + 1))?.kind).toBe('too_deep');
  });

  it('gives the path to the container that goes too deep', () => {
    expect(jsonTextProblem('{"a":1,"b":[0,{"c":{"d":[]}}]}', 4)).toEqual({
      kind: 'too_deep',
      path: ['b', 1, 'c', 'd'],
    });
  });

  it('stops at the limit on 100,000 levels, without recursion', () => {
    expect(jsonTextProblem(`${'{"k":'.repeat(100_000)}1${'}'.repeat(100_000)}`)?.path).toHaveLength(
      MAX_JSON_DEPTH,
    );
  });

  it('ignores brackets and quotes inside strings', () => {
    expect(jsonTextProblem(`{"a":"${'['.repeat(100)}\\"{{"}`)).toBeNull();
    expect(jsonTextProblem(`{"a\\\\":"\\\\", "b":[${nested(3)}]}`, 4)?.path).toEqual(['b', 0, 0, 0]);
  });

  it('decodes escaped keys in the path', () => {
    expect(jsonTextProblem('{"a\\u0062":[[]]}', 2)?.path).toEqual(['ab', 0]);
  });
});

describe('jsonTextProblem: surrogates', () => {
  it('accepts pairs, escaped or not, and mixed', () => {
    for (const text of ['"\\ud83d\\ude00"', '"😀"', '"\\ud83d\ude00"', '"\ud83d\\ude00"', '"\\\\ud800"']) {
      expect(jsonTextProblem(text)).toBeNull();
    }
  });

  it('finds a lone half, escaped or not, with the path to its value', () => {
    expect(jsonTextProblem('{"name":"lone\\ud800pool"}')).toEqual({
      kind: 'unpaired_surrogate',
      path: ['name'],
    });
    expect(jsonTextProblem('{"tags":["a","\\uDC00"]}')?.path).toEqual(['tags', 1]);
    expect(jsonTextProblem('["\ud800x"]')?.path).toEqual([0]);
    expect(jsonTextProblem('"\\ud800\\u0041"')).toEqual({ kind: 'unpaired_surrogate', path: [] });
  });

  it('reports a lone half in a key at the object holding it', () => {
    expect(jsonTextProblem('{"p":{"ok":1,"\\ud800":2}}')?.path).toEqual(['p']);
  });
});
