// Fuzz: every route of /api/openapi.json, sent valid and then broken one way at a time, against the real
// local server. No answer of 5xx, no refused request that changes anything, no request that keeps the
// server busy for over a second, no secret or internals in an answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_KEY, type LocalServer, startServer } from '../e2e/harness.ts';
import { makeFixtures } from './fixtures.ts';
import { FuzzRunner } from './fuzz-runner.ts';
import { casesFor, type FuzzCase, pickCases, shuffle, validRequest } from './generate.ts';
import { LeakWatch } from './leaks.ts';
import { label, type Operation, readOperations } from './openapi.ts';
import { issueProbes } from './probes.ts';
import { PROFILE, SEED, seededRandom } from './profile.ts';
import { recordRow } from './table.ts';

/** Refused requests sent again between one pair of snapshots. */
const BATCH = 40;
let server: LocalServer;
let runner: FuzzRunner;
const notes: string[] = [];
const started = Date.now();

/** Routes that get the 5 and 20 MB bodies: all in the full profile, a seeded few in the short one. */
function hugeRoutes(operations: Operation[], random: () => number): Set<Operation> {
  const withBody = operations.filter((operation) => operation.body && operation.method !== 'GET');
  if (PROFILE.hugeBodyRoutes === 0) return new Set(withBody);
  return new Set(shuffle(withBody, random).slice(0, PROFILE.hugeBodyRoutes));
}

const findings = (kind: string) => runner.findings.filter((finding) => finding.startsWith(kind));

beforeAll(async () => {
  const random = seededRandom(SEED);
  server = await startServer();
  const leaks = new LeakWatch();
  leaks.remember(DEV_KEY);
  // The probe replay gets objects of its own: the runs it nests deep must not spoil the fuzz's.
  const [set, probeSet] = [await makeFixtures(server.url), await makeFixtures(server.url, 'probe')];
  for (const secret of [set.webhookSecret, set.apiKeySecret, probeSet.webhookSecret, probeSet.apiKeySecret])
    leaks.remember(secret);
  const operations = await readOperations(server.url, DEV_KEY);
  let fixtures = probeSet.fixtures;
  runner = new FuzzRunner(server, () => fixtures, leaks, PROFILE.hangBudget);
  runner.stalls.monitor.start();
  try {
    // The probe's findings first, each between its own snapshots.
    for (const probe of issueProbes(operations, probeSet)) await runner.batch([probe]);
    fixtures = set.fixtures;

    // A valid request per route: the generator's baseline, which its broken variants start from.
    const valid: FuzzCase[] = operations
      .filter((operation) => operation.method !== 'DELETE' && operation.path !== '/api/webhooks/{slug}')
      .map((operation) => ({ operation, what: 'a valid request', build: (f) => validRequest(operation, f) }));
    for (const sent of await runner.sweep(valid, 1)) {
      if (sent.outcome.status >= 300)
        notes.push(
          `valid request refused (its variants test less): ${label(sent.item.operation)} → ${sent.outcome.status} ${sent.outcome.text.slice(0, 120)}`,
        );
    }

    const huge = hugeRoutes(operations, random);
    const all = operations.flatMap((operation) => casesFor(operation, { huge: huge.has(operation) }));
    const picked = pickCases(all, PROFILE.fuzzCases, random);
    notes.push(
      `${all.length} cases generated from ${operations.length} routes; ${picked.length} sent (seed ${SEED})`,
    );
    await runner.sweep(picked);
    await runner.verify(BATCH);

    // Deletes last, each alone: gone when it says so (checked on every accepted DELETE), untouched when refused.
    for (const operation of operations.filter((candidate) => candidate.method === 'DELETE'))
      await runner.batch([{ operation, what: 'a valid delete', build: (f) => validRequest(operation, f) }]);
  } finally {
    await runner.stalls.monitor.stop();
  }
  for (const leak of leaks.inOutput(server.process.output, [DEV_KEY])) {
    runner.counts.leaks++;
    runner.findings.push(`leak: ${leak}`);
  }
  notes.push(...runner.stalls.unconfirmed.map((line) => `slow once, not when replayed: ${line}`));
  if (runner.counts.skipped > 0)
    notes.push(
      `${runner.counts.skipped} schedule cases skipped: the server hung ${runner.counts.hangs} times`,
    );
  if (runner.counts.skippedAfterHangs > 0)
    runner.findings.push(
      `server hung: ${runner.counts.hangs} times, so ${runner.counts.skippedAfterHangs} cases were skipped`,
    );
  const { counts } = runner;
  recordRow({
    scenario: 'fuzz',
    requests: counts.requests,
    status4xx: counts.status4xx,
    status5xx: counts.status5xx + counts.unanswered,
    partialWrites: counts.partialWrites,
    roundTrip: counts.roundTrip,
    slow: counts.slow,
    leaks: counts.leaks,
    seconds: (Date.now() - started) / 1000,
    findings: runner.findings,
    notes,
  });
}, 3_600_000);

afterAll(async () => {
  await server?.stop();
});

describe(`fuzz from /api/openapi.json (${PROFILE.name} profile)`, () => {
  it('answers no request with a 5xx, and every request at all', () => {
    expect([...findings('5'), ...findings('no answer'), ...findings('server hung')]).toEqual([]);
  });

  it('a refused request changes nothing: the snapshots before and after are equal', () => {
    expect(findings('partial write')).toEqual([]);
  });

  it('an accepted name reads back as it was sent', () => {
    expect(findings('round-trip')).toEqual([]);
  });

  it('no single request keeps the server from answering /api/health for more than a second', () => {
    expect([...findings('busy'), ...findings('server hung')]).toEqual([]);
  });

  it('no answer shows a secret or the server internals, and the server log shows no secret', () => {
    expect(findings('leak')).toEqual([]);
  });

  it.runIf(PROFILE.name === 'full')('sends at least 10,000 requests', () => {
    expect(runner.counts.requests).toBeGreaterThanOrEqual(10_000);
  });
});
