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
    const verdict = await scenario.drainAndJudge();
    scenario.record(verdict);
    expectNothingLostOrDuplicated(verdict);
  });
});
