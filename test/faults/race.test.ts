// Faults: five agents racing for the same pool's runs. Every run executes exactly once.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PROFILE } from './profile.ts';
import { expectNothingLostOrDuplicated, FaultScenario } from './scenario.ts';

const scenario = new FaultScenario('race', { tasks: 1, logs: 1, ms: 0 });

beforeAll(() => scenario.start());
afterAll(() => scenario.stop());

describe(`${PROFILE.raceAgents} agents racing for ${PROFILE.raceRuns} runs`, () => {
  it('execute every run exactly once, and report each once', async () => {
    await Promise.all(
      Array.from({ length: PROFILE.raceAgents }, (_, index) => scenario.agent(`racer-${index}`)),
    );
    await scenario.createRuns(PROFILE.raceRuns, 25);
    // About half a second of CPU per run on this two-core machine, with room for a loaded one.
    const verdict = await scenario.drainAndJudge(120_000 + PROFILE.raceRuns * 1_000);
    scenario.record(verdict);
    expectNothingLostOrDuplicated(verdict);
  });
});
