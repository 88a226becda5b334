// Scopes nest, admin ⊃ agent ⊃ read, and a route's OpenAPI `security` is read strictly (docs/api-scopes.md).
import { describe, expect, it } from 'vitest';
import { routeScopeOf, scopeSatisfies } from '../../src/domain/auth/scopes';

describe('scopeSatisfies', () => {
  it('lets each scope do what the scopes below it do, and nothing above', () => {
    expect(scopeSatisfies('admin', 'agent')).toBe(true);
    expect(scopeSatisfies('admin', 'read')).toBe(true);
    expect(scopeSatisfies('agent', 'read')).toBe(true);
    expect(scopeSatisfies('agent', 'agent')).toBe(true);
    expect(scopeSatisfies('agent', 'admin')).toBe(false);
    expect(scopeSatisfies('read', 'agent')).toBe(false);
  });
});

describe('routeScopeOf', () => {
  it('reads an empty security list as public and one bearer scope as that scope', () => {
    expect(routeScopeOf([])).toEqual({ kind: 'public' });
    expect(routeScopeOf([{ bearer: ['agent'] }])).toEqual({ kind: 'key', scope: 'agent' });
  });

  it('treats a missing, empty, unknown or ambiguous declaration as undeclared', () => {
    for (const security of [
      undefined,
      [{ bearer: [] }],
      [{ bearer: ['root'] }],
      [{ bearer: ['read', 'admin'] }],
      [{ other: ['read'] }],
      [{ bearer: ['read'] }, { bearer: ['admin'] }],
    ]) {
      expect(routeScopeOf(security), JSON.stringify(security)).toEqual({ kind: 'undeclared' });
    }
  });
});
