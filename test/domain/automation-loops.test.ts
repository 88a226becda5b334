// The loop rules of automations (src/domain/automations/loops.ts): which automations are refused at
// creation, and when a run-deployment action may continue a chain of runs its automation started.
import { describe, expect, it } from 'vitest';
import {
  AutomationCreateSchema,
  MAX_RUN_CHAIN,
  runChainVerdict,
  runLoopProblem,
} from '../../src/domain/automations';

const automation = (trigger: Record<string, unknown>, source: 'selected' | 'inferred' = 'selected') =>
  AutomationCreateSchema.parse({
    name: 'a',
    enabled: false,
    trigger: { type: 'event', posture: 'Reactive', ...trigger },
    actions: [{ type: 'run-deployment', source, deployment_id: source === 'selected' ? 'd' : null }],
  });

describe('runLoopProblem', () => {
  const enabled = (trigger: Record<string, unknown>, source?: 'selected' | 'inferred') => ({
    ...automation(trigger, source),
    enabled: true,
  });

  it.each([
    [{}],
    [{ expect: ['prefect.flow-run.Pending'] }],
    [{ expect: ['prefect.*'] }],
    [{ expect: ['*'], match: { 'prefect.resource.id': ['prefect.flow-run.*', '!prefect.flow-run.x'] } }],
    [{ expect: ['prefect.flow-run.Running'], match_related: [{}, { 'prefect.resource.id': '*' }] }],
  ])('finds a loop in %j', (trigger) => {
    expect(runLoopProblem(enabled(trigger))?.field).toBe('trigger.expect');
  });

  it.each([
    [{ expect: ['prefect.flow-run.Completed'] }, 'selected'],
    [
      { expect: ['prefect.flow-run.Scheduled'], match: { 'prefect.resource.id': 'prefect.flow-run.abc' } },
      'selected',
    ],
    [
      { expect: ['prefect.flow-run.Scheduled'], match_related: { 'prefect.resource.role': 'deployment' } },
      'selected',
    ],
    [{ expect: ['signal'] }, 'inferred'],
    [{ posture: 'Proactive', within: 60 }, 'selected'],
  ] as const)('finds none in %j with a %s deployment', (trigger, source) => {
    expect(runLoopProblem(enabled(trigger, source))).toBeNull();
  });

  it('finds none in a paused automation, nor in one that starts no run', () => {
    expect(runLoopProblem(automation({}))).toBeNull();
    expect(runLoopProblem({ ...enabled({}), actions: [{ type: 'do-nothing' }] })).toBeNull();
  });

  it('finds one through an inferred deployment whatever the match', () => {
    const narrowed = {
      expect: ['prefect.flow-run.Scheduled'],
      match: { 'prefect.resource.id': 'prefect.flow-run.abc' },
    };
    expect(runLoopProblem(enabled(narrowed, 'inferred'))?.message).toMatch(/triggering run's own deployment/);
  });
});

describe('runChainVerdict', () => {
  it('starts a chain from a run the automation did not start', () => {
    expect(runChainVerdict(null, 'k')).toEqual({ chain: 1 });
  });

  it('continues it one run per run, and lets a retried action (same key) through again', () => {
    expect(runChainVerdict({ chain: 3, spawned_by: null }, 'k')).toEqual({ chain: 4 });
    expect(runChainVerdict({ chain: 3, spawned_by: 'k' }, 'k')).toEqual({ chain: 4 });
    expect(runChainVerdict({ chain: 3, spawned_by: 'other' }, 'k')).toHaveProperty('blocked');
  });

  it(`stops it at ${MAX_RUN_CHAIN}`, () => {
    expect(runChainVerdict({ chain: MAX_RUN_CHAIN - 1, spawned_by: null }, 'k')).toEqual({
      chain: MAX_RUN_CHAIN,
    });
    expect(runChainVerdict({ chain: MAX_RUN_CHAIN, spawned_by: null }, 'k')).toHaveProperty('blocked');
  });
});
