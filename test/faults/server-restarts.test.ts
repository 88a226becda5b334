// Faults: the server SIGKILLed and restarted on the same state, mid-run (flows executing and reporting)
// and mid-claim (agents idle, their long-poll claims held open). Nothing lost, nothing run twice.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { waitUntil } from '../e2e/harness.ts';
import { PROFILE, SEED, seededRandom } from './profile.ts';
import { expectNothingLostOrDuplicated, FaultScenario } from './scenario.ts';
import { allTerminal, readRuns } from './verdict.ts';

const scenario = new FaultScenario('server restarts', { tasks: 3, logs: 5, ms: 300 });

beforeAll(() => scenario.start());
afterAll(() => scenario.stop());

async function killServer(): Promise<void> {
  scenario.faults.push({ at: Date.now(), kind: 'server killed' });
  await scenario.server.restart({ signal: 'SIGKILL' });
  scenario.faults.push({ at: Date.now(), kind: 'server killed' });
}

describe(`the server killed and restarted ×${PROFILE.serverRestarts}`, () => {
  it('mid-run and mid-claim, loses no run, executes none twice, and loses or doubles no report', async () => {
    const random = seededRandom(SEED + 2);
    await scenario.agent('steady-a', ['--heartbeat-seconds', '2']);
    await scenario.agent('steady-b', ['--heartbeat-seconds', '2']);
    for (let round = 0; round < PROFILE.serverRestarts; round++) {
      if (round % 2 === 0) {
        // Mid-run: flows executing, tasks and logs being reported; the wait picks the moment.
        await scenario.createRuns(6);
        await sleep(500 + random() * 2_500);
      } else {
        // Mid-claim: every run so far finished, both agents waiting in a long-poll claim.
        await waitUntil(
          () => readRuns(scenario.server, scenario.runIds),
          (runs) => allTerminal(runs, scenario.runIds),
          180_000,
          'the runs so far to finish before a mid-claim kill',
          (runs) => ({
            runs: [...runs.values()].map(
              (run) => `${run.id} ${run.state_type} "${run.state?.message ?? ''}"`,
            ),
            agents: scenario.tails(40),
          }),
        );
        // An idle agent always has one claim in flight (held up to 30 s): any moment now is mid-claim.
        await sleep(500 + random() * 2_500);
      }
      await killServer();
      // After a mid-claim kill, new runs must reach the agents whose claims died with the server.
      if (round % 2 === 1) await scenario.createRuns(4);
    }
    const verdict = await scenario.drainAndJudge();
    scenario.record(verdict);
    expectNothingLostOrDuplicated(verdict);
  });
});
