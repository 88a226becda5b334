// The bookkeeping every written transition does, whatever the policy.
import type { StateCreate } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import {
  type FlowRunSnapshot,
  orchestrateFlowRun,
  orchestrateTaskRun,
  type TaskRunSnapshot,
} from '../../src/domain/orchestration';
import { at, clock, flowRun, NOW, parentFlow, state, taskRun } from './fixtures';

function propose(run: FlowRunSnapshot, proposed: StateCreate, now = NOW) {
  return orchestrateFlowRun({ run, proposed, force: false, clock: clock({ now }) });
}

function proposeTask(run: TaskRunSnapshot, proposed: StateCreate) {
  return orchestrateTaskRun({
    run,
    flowRun: parentFlow(),
    proposed,
    force: false,
    cached: null,
    clock: clock(),
  });
}

describe('the set_state result contract', () => {
  it('writes an accepted proposal normalised: new id, default name, server time, nulls', () => {
    const outcome = propose(flowRun({ state: state('PENDING') }), { type: 'RUNNING' });
    expect(outcome.written).toEqual({
      id: 'state-1',
      type: 'RUNNING',
      name: 'Running',
      timestamp: NOW.toISOString(),
      message: null,
      data: null,
      state_details: { flow_run_id: 'flow-run-1' },
    });
    expect(outcome.result).toEqual({
      status: 'ACCEPT',
      state: outcome.written,
      details: { type: 'accept_details' },
    });
    expect(outcome.run.state).toBe(outcome.written);
  });

  it("keeps the proposer's timestamp, in UTC", () => {
    const outcome = propose(flowRun({ state: state('PENDING') }), {
      type: 'RUNNING',
      timestamp: '2026-01-01T13:59:30.000+02:00',
    });
    expect(outcome.written?.timestamp).toBe('2026-01-01T11:59:30.000Z');
  });

  it('leaves the run unchanged when nothing is written', () => {
    const run = flowRun({ state: state('RUNNING'), run_count: 1 });
    const outcome = propose(run, { type: 'PENDING' });
    expect(outcome).toMatchObject({ written: null, run, result: { status: 'ABORT', state: run.state } });
  });

  it('gives a SCHEDULED proposal without a time its own timestamp as scheduled time', () => {
    const outcome = propose(flowRun(), { type: 'SCHEDULED' });
    expect(outcome.written?.state_details.scheduled_time).toBe(NOW.toISOString());
  });
});

describe('EnsureStateTimestampIsUnique', () => {
  it('moves a proposal that does not follow the current state just past it', () => {
    const run = flowRun({ state: state('PENDING', { timestamp: at(5) }) });
    expect(propose(run, { type: 'RUNNING' }).written?.timestamp).toBe(
      new Date(Date.parse(at(5)) + 1).toISOString(),
    );
  });
});

describe('SetStartTime', () => {
  it('sets the start time on the first RUNNING only', () => {
    const first = propose(flowRun({ state: state('PENDING') }), { type: 'RUNNING' });
    expect(first.run.start_time).toBe(NOW.toISOString());
    const later = propose(
      { ...first.run, state: state('SCHEDULED', { timestamp: at(10) }) },
      { type: 'RUNNING' },
      new Date(at(20)),
    );
    expect(later.run.start_time).toBe(NOW.toISOString());
  });
});

describe('SetEndTime', () => {
  it('sets the end time on a terminal state', () => {
    const outcome = propose(flowRun({ state: state('RUNNING'), run_count: 1 }), { type: 'COMPLETED' });
    expect(outcome.run.end_time).toBe(NOW.toISOString());
  });

  it('clears the end time when a run leaves a terminal state', () => {
    const run = flowRun({ state: state('FAILED'), end_time: at(-60), run_count: 1 });
    expect(propose(run, { type: 'RUNNING' }).run.end_time).toBeNull();
  });
});

describe('IncrementRunTime', () => {
  it('adds up the time spent in RUNNING over two stints', () => {
    const start = propose(
      flowRun({ state: state('PENDING', { timestamp: at(-100) }) }),
      { type: 'RUNNING' },
      new Date(at(0)),
    );
    const paused = propose(start.run, { type: 'PAUSED' }, new Date(at(30)));
    expect(paused.run.total_run_time).toBe(30);
    const resumed = propose(paused.run, { type: 'RUNNING' }, new Date(at(100)));
    expect(resumed.run.total_run_time).toBe(30);
    const done = propose(resumed.run, { type: 'COMPLETED' }, new Date(at(112.5)));
    expect(done.run.total_run_time).toBe(42.5);
  });
});

describe('SetExpectedStartTime', () => {
  it('takes the first scheduled time as the expected start', () => {
    const outcome = propose(flowRun(), { type: 'SCHEDULED', state_details: { scheduled_time: at(300) } });
    expect(outcome.run.expected_start_time).toBe(at(300));
  });

  it('takes the first state time when the run is not scheduled', () => {
    expect(propose(flowRun(), { type: 'PENDING' }).run.expected_start_time).toBe(NOW.toISOString());
  });

  it('keeps the first expected start afterwards', () => {
    const run = flowRun({ state: state('SCHEDULED'), expected_start_time: at(-60) });
    expect(propose(run, { type: 'PENDING' }).run.expected_start_time).toBe(at(-60));
  });
});

describe('SetNextScheduledStartTime', () => {
  it('sets the next scheduled start when entering SCHEDULED', () => {
    const outcome = propose(flowRun(), { type: 'SCHEDULED', state_details: { scheduled_time: at(300) } });
    expect(outcome.run.next_scheduled_start_time).toBe(at(300));
  });

  it('clears it when leaving SCHEDULED', () => {
    const run = flowRun({ state: state('SCHEDULED'), next_scheduled_start_time: at(-60) });
    expect(propose(run, { type: 'PENDING' }).run.next_scheduled_start_time).toBeNull();
  });
});

describe('UpdateStateDetails', () => {
  it('stamps the flow run id on a flow run state', () => {
    expect(propose(flowRun(), { type: 'PENDING' }).written?.state_details.flow_run_id).toBe('flow-run-1');
  });

  it('stamps the task and flow run ids on a task run state', () => {
    expect(proposeTask(taskRun(), { type: 'PENDING' }).written?.state_details).toMatchObject({
      task_run_id: 'task-run-1',
      flow_run_id: 'flow-run-1',
    });
  });
});

describe('IncrementFlowRunCount', () => {
  it('counts each entry into RUNNING', () => {
    const run = flowRun({ state: state('SCHEDULED', { name: 'AwaitingRetry' }), run_count: 1 });
    expect(propose(run, { type: 'RUNNING' }).run.run_count).toBe(2);
  });

  it('does not count a resumption', () => {
    const run = flowRun({
      state: state('PENDING'),
      run_count: 1,
      empirical_policy: { ...flowRun().empirical_policy, resuming: true },
    });
    expect(propose(run, { type: 'RUNNING' }).run.run_count).toBe(1);
  });
});

describe('RemoveResumingIndicator', () => {
  it('clears resuming once the run is running again', () => {
    const run = flowRun({
      state: state('PENDING'),
      empirical_policy: { ...flowRun().empirical_policy, resuming: true },
    });
    expect(propose(run, { type: 'RUNNING' }).run.empirical_policy.resuming).toBe(false);
  });
});

describe('IncrementTaskRunCount', () => {
  it('counts each entry of a task into RUNNING', () => {
    expect(proposeTask(taskRun({ state: state('PENDING') }), { type: 'RUNNING' }).run.run_count).toBe(1);
  });
});
