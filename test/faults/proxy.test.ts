// Faults: agents (and the flow processes they start) reach the server through a TCP proxy that drops
// connections, delays data and cuts requests and answers mid-way. Retries must neither lose nor double.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { waitUntil } from '../e2e/harness.ts';
import { PROFILE, SEED, seededRandom } from './profile.ts';
import { expectNothingLostOrDuplicated, FaultScenario } from './scenario.ts';
import { ChaosProxy } from './tcp-proxy.ts';
import { allTerminal, readRuns } from './verdict.ts';

const scenario = new FaultScenario('proxy', { tasks: 3, logs: 5, ms: 100 });
let proxy: ChaosProxy;

beforeAll(() => scenario.start());
afterAll(async () => {
  await proxy?.close();
  await scenario.stop();
});

describe(`${PROFILE.proxyRuns} runs through a proxy that drops, delays and cuts connections`, () => {
  it('lose no run, execute none twice, and lose or double no report', async () => {
    const port = Number(new URL(scenario.server.url).port);
    proxy = new ChaosProxy(
      port,
      { drop: 0.05, cut: 0.03, delay: 0.2, maxDelayMs: 400 },
      seededRandom(SEED + 3),
    );
    const url = await proxy.listen();
    // Started while the proxy passes everything, so the faults land on the work, not on start-up.
    proxy.enabled = false;
    await scenario.agent('proxied-a', ['--heartbeat-seconds', '2'], url);
    await scenario.agent('proxied-b', ['--heartbeat-seconds', '2'], url);
    proxy.enabled = true;
    await scenario.createRuns(PROFILE.proxyRuns);
    try {
      await waitUntil(
        () => readRuns(scenario.server, scenario.runIds),
        (runs) => allTerminal(runs, scenario.runIds),
        60_000 + PROFILE.proxyRuns * 2_000,
        'the runs to finish through the faulty proxy',
      );
    } catch (error) {
      scenario.notes.push(
        `under faults: ${(error as Error).message.slice(0, 200)}; the rest drained with the proxy passing everything`,
      );
    }
    proxy.enabled = false;
    const verdict = await scenario.drainAndJudge();
    const { stats } = proxy;
    scenario.notes.push(
      `proxy: ${stats.connections} connections, ${stats.dropped} dropped, ${stats.cutRequests} requests and ${stats.cutResponses} answers cut, ${stats.delayed} chunks delayed`,
    );
    scenario.record(verdict);
    expectNothingLostOrDuplicated(verdict);
  });
});
