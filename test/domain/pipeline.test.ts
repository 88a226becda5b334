// The pipeline's own semantics: rules stand aside once the proposal changes, fizzled rules clean up.
import { describe, expect, it } from 'vitest';
import {
  accept,
  CORE_FLOW_POLICY,
  type FlowRule,
  type FlowRunSnapshot,
  insertRulesAfter,
  newProposedState,
  orchestrateFlowRun,
  proceed,
  type Rule,
  reject,
} from '../../src/domain/orchestration';
import { clock, flowRun, state } from './fixtures';

const rescheduleToCancelled: FlowRule = {
  name: 'TestCancelsReschedules',
  from: 'any',
  to: ['SCHEDULED'],
  decide: ({ clock }) =>
    reject(newProposedState('CANCELLED', { timestamp: clock.now.toISOString() }), 'test'),
};

describe('rule pipeline', () => {
  it('answers ABORT "Error validating state" and writes nothing when a rule throws', () => {
    const broken: FlowRule = {
      name: 'Broken',
      from: 'any',
      to: 'any',
      decide: () => {
        throw new Error('limit object unreachable');
      },
    };
    const run = flowRun({ state: state('PENDING') });
    const outcome = orchestrateFlowRun(
      { run, proposed: { type: 'RUNNING' }, force: false, clock: clock() },
      { policy: [broken, ...CORE_FLOW_POLICY] },
    );
    expect(outcome.result).toEqual({
      status: 'ABORT',
      state: run.state,
      details: { type: 'abort_details', reason: 'Error validating state: limit object unreachable' },
    });
    expect(outcome.written).toBeNull();
    expect(outcome.run).toBe(run);
  });

  it('skips later rules once a rule has replaced the proposal with another type', () => {
    const seen: string[] = [];
    const spy: FlowRule = {
      name: 'Spy',
      from: 'any',
      to: 'any',
      decide: ({ proposed }) => {
        seen.push(proposed.type);
        return proceed();
      },
    };
    const run = flowRun({ state: state('SCHEDULED') });
    orchestrateFlowRun(
      { run, proposed: { type: 'CANCELLING' }, force: false, clock: clock() },
      { policy: insertRulesAfter(CORE_FLOW_POLICY, 'BypassCancellingFlowRunsWithNoInfra', [spy]) },
    );
    expect(seen).toEqual([]);
  });

  it('runs the cleanup of a rule that fizzled, undoing its change to the run', () => {
    const run = flowRun({
      state: state('FAILED'),
      work_pool_name: 'pool',
      empirical_policy: { ...flowRun().empirical_policy, pause_keys: ['p'] },
    });
    const outcome = orchestrateFlowRun(
      { run, proposed: { type: 'SCHEDULED' }, force: false, clock: clock() },
      {
        policy: insertRulesAfter(CORE_FLOW_POLICY, 'HandleFlowTerminalStateTransitions', [
          rescheduleToCancelled,
        ]),
      },
    );
    expect(outcome.written?.type).toBe('CANCELLED');
    expect(outcome.run.empirical_policy).toEqual(run.empirical_policy);
  });

  it('stops at a rule that accepts', () => {
    const acceptAll: FlowRule = { name: 'AcceptAll', from: 'any', to: 'any', decide: () => accept() };
    const run = flowRun({ state: state('CANCELLING') });
    const outcome = orchestrateFlowRun(
      { run, proposed: { type: 'RUNNING' }, force: false, clock: clock() },
      { policy: [acceptAll, ...CORE_FLOW_POLICY] },
    );
    expect(outcome.result.status).toBe('ACCEPT');
  });

  it('hands extra inputs to the rules', () => {
    const needsDeployment: Rule<FlowRunSnapshot, { limit: number }> = {
      name: 'NeedsDeployment',
      from: 'any',
      to: ['PENDING'],
      decide: ({ extra }) => (extra.limit === 0 ? reject(null, 'limit is 0') : proceed()),
    };
    const outcome = orchestrateFlowRun(
      {
        run: flowRun({ state: state('SCHEDULED') }),
        proposed: { type: 'PENDING' },
        force: false,
        clock: clock(),
      },
      { policy: [...CORE_FLOW_POLICY, needsDeployment], extra: { limit: 0 } },
    );
    expect(outcome.result.status).toBe('REJECT');
  });

  it('refuses to slot rules after a rule the policy lacks', () => {
    expect(() => insertRulesAfter(CORE_FLOW_POLICY, 'NoSuchRule', [])).toThrow();
  });
});
