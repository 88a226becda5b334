// The limits a new run of a deployment is subject to: one rule for runs made by hand, by a schedule and
// by an automation.
import { describe, expect, it } from 'vitest';
import { runLimits } from '../../src/domain/deployments';

describe('runLimits', () => {
  it('a deployment without a limit puts none on its runs', () => {
    expect(runLimits({ id: 'd', concurrency_limit: null, concurrency_options: null })).toEqual([]);
  });

  it("unset concurrency options take Prefect's defaults: ENQUEUE, a 300 s grace period", () => {
    expect(runLimits({ id: 'd', concurrency_limit: 2, concurrency_options: null })).toEqual([
      { key: 'deployment:d', limit: 2, collision_strategy: 'ENQUEUE', lease_seconds: 300 },
    ]);
  });

  it("the deployment's options are copied onto the run", () => {
    const options = { collision_strategy: 'CANCEL_NEW', grace_period_seconds: 90 };
    expect(runLimits({ id: 'd', concurrency_limit: 1, concurrency_options: options })).toEqual([
      { key: 'deployment:d', limit: 1, collision_strategy: 'CANCEL_NEW', lease_seconds: 90 },
    ]);
  });

  it("a schedule's max_active_runs adds a limit that skips runs over it", () => {
    const limits = runLimits({ id: 'd', concurrency_limit: null }, { id: 's', max_active_runs: 3 });
    expect(limits).toEqual([{ key: 'schedule:s', limit: 3, collision_strategy: 'SKIP', lease_seconds: 300 }]);
  });
});
