// Auth: every route of /api/openapi.json against every scope and every bad credential. Scopes nest
// (admin ⊃ agent ⊃ read); each route declares the one it needs; a refused request changes nothing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_KEY, type LocalServer, startServer, waitUntil } from '../e2e/harness.ts';
import { badCredentials, type Credential, webhookSignatures } from './credentials.ts';
import { call, makeFixtures } from './fixtures.ts';
import { type Fixtures, pathFor } from './generate.ts';
import { LeakWatch } from './leaks.ts';
import {
  expectedAccess,
  label,
  type Operation,
  readOperations,
  requiredByRule,
  SCOPES,
  type Scope,
  scopeCovers,
} from './openapi.ts';
import { send } from './send.ts';
import { differences, SnapshotReader } from './snapshot.ts';
import { recordRow } from './table.ts';

let server: LocalServer;
let operations: Operation[];
const findings: string[] = [];
const notes: string[] = [];
const counts = { requests: 0, status4xx: 0, status5xx: 0, partialWrites: 0, leaks: 0, wrongAccess: 0 };
const started = Date.now();
const leaks = new LeakWatch();

/** Objects that do not exist: an allowed request then reaches its route's 404 or 422 and changes nothing. */
const MISSING: Fixtures = {
  flowId: randomUUID(),
  flowName: 'au-missing-flow',
  deploymentId: randomUUID(),
  deploymentName: 'au-missing-deployment',
  scheduleId: randomUUID(),
  flowRunId: randomUUID(),
  taskRunId: randomUUID(),
  pool: 'au-missing-pool',
  queue: 'au-missing-queue',
  webhookId: randomUUID(),
  webhookSlug: 'au-missing-slug',
  apiKeyId: 'a0a0a0a0a0a0',
  resultKey: 'au-missing/result.json',
  limitName: 'au-missing-limit',
  limitTag: 'au-missing-tag',
  leaseId: randomUUID(),
};

interface Attempt {
  operation: Operation;
  who: string;
  credential: Credential;
  /** Statuses that are right for this attempt. */
  expect: (status: number) => boolean;
  expectation: string;
}

async function attempt(entry: Attempt): Promise<number> {
  const { operation, credential } = entry;
  const path = pathFor(operation, MISSING) + (credential.query ? `?${credential.query}` : '');
  const hasBody = operation.method !== 'GET' && operation.method !== 'DELETE';
  const outcome = await send(
    server.url,
    {
      method: operation.method,
      path,
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...credential.headers },
      body: hasBody ? '{}' : undefined,
    },
    null,
  );
  counts.requests++;
  if (outcome.status >= 400 && outcome.status < 500) counts.status4xx++;
  if (outcome.status >= 500 || outcome.status === 0) {
    counts.status5xx++;
    findings.push(
      `${outcome.status || 'no answer'}: ${label(operation)} as ${entry.who}: ${outcome.text.slice(0, 120)}`,
    );
  }
  if (!entry.expect(outcome.status)) {
    counts.wrongAccess++;
    findings.push(
      `wrong access: ${label(operation)} as ${entry.who} answered ${outcome.status}, expected ${entry.expectation}`,
    );
  }
  const leak = leaks.inResponse(outcome.text);
  if (leak) {
    counts.leaks++;
    findings.push(`leak: ${label(operation)} as ${entry.who}: ${leak}`);
  }
  return outcome.status;
}

beforeAll(async () => {
  server = await startServer();
  leaks.remember(DEV_KEY);
  const set = await makeFixtures(server.url, 'au');
  leaks.remember(set.webhookSecret);
  leaks.remember(set.apiKeySecret);
  operations = await readOperations(server.url, DEV_KEY);

  const keyOf = async (scope: Scope, extra: Record<string, unknown> = {}) => {
    const created = await call<{ id: string; key: string }>(server.url, 'POST', '/api/api_keys', {
      name: `au-${scope}-${randomUUID().slice(0, 8)}`,
      scope,
      ...extra,
    });
    leaks.remember(created.key);
    return created;
  };
  const scoped = Object.fromEntries(
    await Promise.all(SCOPES.map(async (scope) => [scope, (await keyOf(scope)).key])),
  ) as Record<Scope, string>;
  const revoked = await keyOf('admin');
  await call(server.url, 'DELETE', `/api/api_keys/${revoked.id}`);
  const expiresAt = Date.now() + 2_000;
  const expired = await keyOf('admin', { expires_at: new Date(expiresAt).toISOString() });
  await waitUntil(
    async () => Date.now(),
    (now) => now > expiresAt + 200,
    10_000,
    'the key to expire',
  );
  const wrongSecret = expired.key.replace(/_[^_]+$/, `_${'B'.repeat(32)}`);
  const credentials = badCredentials({ wrongSecret, revoked: revoked.key, expired: expired.key });

  // Refused requests first, between two snapshots: none may change anything.
  const snapshots = new SnapshotReader(server.url, DEV_KEY);
  const before = await snapshots.read();
  const allowed: Attempt[] = [];
  for (const operation of operations) {
    const needed = expectedAccess(operation);
    if (needed === 'public') continue;
    for (const credential of credentials) {
      await attempt({
        operation,
        who: credential.label,
        credential,
        expect: (status) => status === 401 || (credential.alsoAccepted ?? []).includes(status),
        expectation: '401',
      });
    }
    for (const scope of SCOPES) {
      // A route nothing decides for: admin may call it, and read may not write through it.
      if (needed === null && (scope === 'agent' || (scope === 'read' && operation.method === 'GET')))
        continue;
      const may = needed === null ? scope === 'admin' : scopeCovers(scope, needed);
      const entry: Attempt = {
        operation,
        who: `a ${scope} key`,
        credential: { label: scope, headers: { authorization: `Bearer ${scoped[scope]}` } },
        expect: may ? (status) => status !== 401 && status !== 403 : (status) => status === 403,
        expectation: `${may ? 'not 401/403' : '403'} (needs ${needed ?? 'more than read'})`,
      };
      if (may) allowed.push(entry);
      else await attempt(entry);
    }
  }
  const changed = differences(before, await snapshots.read());
  if (changed.length > 0) {
    counts.partialWrites++;
    findings.push(`partial write: refused requests changed ${changed.slice(0, 5).join('; ')}`);
  }
  for (const entry of allowed) await attempt(entry);
  await webhookChecks(set.fixtures);
  for (const leak of leaks.inOutput(server.process.output, [DEV_KEY])) {
    counts.leaks++;
    findings.push(`leak: ${leak}`);
  }
  recordRow({
    scenario: 'auth',
    requests: counts.requests,
    status4xx: counts.status4xx,
    status5xx: counts.status5xx,
    partialWrites: counts.partialWrites,
    leaks: counts.leaks,
    wrongAccess: counts.wrongAccess + undeclared().length,
    seconds: (Date.now() - started) / 1000,
    findings: [...undeclared().map((line) => `scope: ${line}`), ...findings],
    notes,
  });
}, 1_800_000);

afterAll(async () => {
  await server?.stop();
});

/** Routes whose declared scope is missing, or contradicts the rule in docs/reliability.md. */
function undeclared(): string[] {
  const out: string[] = [];
  for (const operation of operations ?? []) {
    const rule = requiredByRule(operation);
    if (operation.declared === null)
      out.push(
        `${label(operation)} declares no scope${operation.undocumented ? ' (it is not in the OpenAPI document)' : ''}`,
      );
    else if (rule !== undefined && operation.declared !== rule)
      out.push(`${label(operation)} declares ${operation.declared}, the rule says ${rule}`);
  }
  return out;
}

/** Webhooks: a wrong secret answers the same for known and unknown slugs; a signed call replays no run. */
async function webhookChecks(fixtures: Fixtures): Promise<void> {
  const hook = await call<{ slug: string; secret: string }>(server.url, 'POST', '/api/webhooks', {
    name: 'au-hmac',
    deployment_id: fixtures.deploymentId,
    auth: 'hmac',
  });
  leaks.remember(hook.secret);
  const post = (slug: string, headers: Record<string, string>, body = '{"replayed":true}') =>
    send(
      server.url,
      {
        method: 'POST',
        path: `/api/webhooks/${slug}`,
        headers: { 'content-type': 'application/json', ...headers },
        body,
      },
      null,
    );
  const unknown = `au-unknown-${randomUUID().slice(0, 8)}`;
  for (const [slug, kind] of [
    [fixtures.webhookSlug, 'token'],
    [hook.slug, 'hmac'],
  ] as const) {
    const [known, missing] = [await post(slug, {}), await post(unknown, {})];
    counts.requests += 2;
    const shape = (text: string, name: string) => text.replaceAll(name, '<slug>');
    if (known.status !== missing.status || shape(known.text, slug) !== shape(missing.text, unknown)) {
      counts.wrongAccess++;
      findings.push(
        `webhook: an unsigned call to a known ${kind} slug answers ${known.status} ${known.text.slice(0, 100)}, to an unknown one ${missing.status} ${missing.text.slice(0, 100)}`,
      );
    }
  }
  // A captured signed call, sent three times: one run at most.
  const body = `{"replayed":"${randomUUID()}"}`;
  let captured: Record<string, string> | null = null;
  for (const headers of webhookSignatures(hook.secret, body)) {
    const first = await post(hook.slug, headers, body);
    counts.requests++;
    if (first.status >= 200 && first.status < 300) {
      captured = headers;
      break;
    }
  }
  if (!captured) {
    findings.push('webhook: no signature format this suite knows was accepted (see credentials.ts)');
    counts.wrongAccess++;
    return;
  }
  const replays = [await post(hook.slug, captured, body), await post(hook.slug, captured, body)];
  counts.requests += 2;
  const accepted = replays.filter((reply) => reply.status >= 200 && reply.status < 300);
  const runs = new Set(accepted.map((reply) => (JSON.parse(reply.text) as { id: string }).id));
  if (runs.size > 0) {
    counts.wrongAccess++;
    findings.push(
      `webhook: a replayed signed call created ${runs.size} more run(s) (answers ${replays.map((r) => r.status).join(', ')})`,
    );
  }
}

describe('auth matrix: every route, every scope, every bad credential', () => {
  it('every route declares its scope in the OpenAPI document, as the rule in docs/reliability.md says', () => {
    expect(undeclared()).toEqual([]);
  });

  it('a bad credential gets 401 on every route, and a scope only what it covers (admin ⊃ agent ⊃ read)', () => {
    expect(findings.filter((line) => line.startsWith('wrong access'))).toEqual([]);
  });

  it('a refused request changes nothing', () => {
    expect(findings.filter((line) => line.startsWith('partial write'))).toEqual([]);
  });

  it('no request answers 5xx, shows a secret, or leaks one into the server log', () => {
    expect(findings.filter((line) => /^(5\d\d|no answer|leak)/.test(line))).toEqual([]);
  });

  it('webhooks answer alike for known and unknown slugs, and a replayed signed call creates no run', () => {
    expect(findings.filter((line) => line.startsWith('webhook'))).toEqual([]);
  });
});
