// Faults: agents SIGKILLed at random points (claiming, starting a flow, mid-task, reporting), one after
// another, while runs keep coming. Every run completes, none runs twice, no report is lost or doubled.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PROFILE, SEED, seededRandom } from './profile.ts';
import { expectNothingLostOrDuplicated, FaultScenario } from './scenario.ts';
import type { Verdict } from './verdict.ts';

const scenario = new FaultScenario('agent kills', { tasks: 4, logs: 5, ms: 400 });

beforeAll(() => scenario.start());
afterAll(() => scenario.stop());

describe(`agents SIGKILLed ×${PROFILE.agentKills}`, () => {
  it('lose no run, execute none twice, and lose or double no report', async () => {
    const random = seededRandom(SEED + 1);
    for (let kill = 0; kill < PROFILE.agentKills; kill++) {
      // New runs each time, while the backlog is small: every agent has work when it dies.
      if ((await scenario.openRuns()).count < 20) await scenario.createRuns(2);
      // 1 s heartbeats: a killed agent's leases lapse after 3 s and its runs go back to the queue.
      const agent = await scenario.agent(`doomed-${kill}`, ['--heartbeat-seconds', '1']);
      // A random point in the agent's life: the wait chooses where the kill lands, it asserts nothing.
      await sleep(random() * 3_000);
      scenario.faults.push({ at: Date.now(), kind: 'agent killed', pid: agent.pid });
      agent.signal('SIGKILL');
      await agent.exited;
    }
    await scenario.agent('survivor', ['--heartbeat-seconds', '1']);
    const verdict: Verdict = await scenario.drainAndJudge();
    scenario.record(verdict);
    expectNothingLostOrDuplicated(verdict);
  });
});
