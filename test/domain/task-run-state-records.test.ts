import type { State, TaskRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { TaskRunStatesRecorder, taskRunStateEvent, taskRunStateEventTexts } from '../../src/domain/events';
import { newFlowRunDoc } from '../../src/domain/runs/flow-run-docs';
import { newTaskRunDoc } from '../../src/domain/runs/task-run-docs';
import { NOW, state } from './fixtures';

const flowRun = {
  ...newFlowRunDoc(
    '11111111-1111-4111-8111-111111111111',
    { flow_id: '22222222-2222-4222-8222-222222222222', name: 'brave-otter', tags: ['etl'] } as never,
    NOW,
    () => 0.5,
  ),
  deployment_id: '33333333-3333-4333-8333-333333333333',
  work_pool_name: 'pool-a',
  work_queue_name: 'default',
};

function task(id: string, name: string, tags: string[]): TaskRun {
  return newTaskRunDoc(flowRun.id, { id, task_key: 'k', dynamic_key: id, name, tags } as never, NOW);
}

const stateOf = (type: State['type'], id: string, message: string | null = null) =>
  state(type, { id, timestamp: new Date(NOW.getTime() + Number(id.slice(-2))).toISOString(), message });

describe("a task batch's record of its states", () => {
  it('builds the events the batch would have made from the whole documents, previous states of earlier batches included', () => {
    const a = task('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'load-0', ['io']);
    const b = task('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'load-1', []);
    // b's RUNNING was written by an earlier batch; a is created in this one.
    const bEarlier = stateOf('RUNNING', 'bbbbbbbb-0000-4000-8000-000000000001', 'started');
    const written: [TaskRun, State | null, State][] = [
      [{ ...a, run_count: 0 }, null, stateOf('PENDING', 'aaaaaaaa-0000-4000-8000-000000000002')],
      [
        { ...b, run_count: 1 },
        bEarlier,
        stateOf('FAILED', 'bbbbbbbb-0000-4000-8000-000000000003', 'boom "quoted" ✓\n'),
      ],
      [{ ...a, run_count: 1 }, null, stateOf('RUNNING', 'aaaaaaaa-0000-4000-8000-000000000004')],
      [{ ...a, run_count: 1 }, null, stateOf('COMPLETED', 'aaaaaaaa-0000-4000-8000-000000000005')],
    ];
    // Each state's previous is the task run's state before it.
    written[2]![1] = written[0]![2];
    written[3]![1] = written[2]![2];

    const recorder = new TaskRunStatesRecorder();
    for (const [doc, previous, state] of written) recorder.add(doc, previous, state);
    // Stored and read back as text, as the object does.
    const record = JSON.parse(JSON.stringify(recorder.record(flowRun, 41)));
    const rows = written.map(([doc, , state]) => ({
      task_run_id: doc.id,
      id: state.id,
      type: state.type,
      name: state.name,
      message: state.message,
      timestamp: state.timestamp,
    }));

    // The very text the batch stored when it made each event whole.
    const expected = written.map(([doc, previous, state]) =>
      JSON.stringify(taskRunStateEvent(doc, flowRun, previous, state)),
    );
    expect(taskRunStateEventTexts(record, rows)).toEqual(expected);
    // Only the state from before the batch is copied whole; the others are pointers into the record.
    expect(record.first_state_seq).toBe(41);
    expect(record.states.map(([, previous]: [number, unknown]) => previous)).toEqual([
      null,
      { id: bEarlier.id, type: 'RUNNING', name: 'Running', message: 'started' },
      0,
      2,
    ]);
  });

  it("refuses rows that are not the record's states rather than making wrong events", () => {
    const recorder = new TaskRunStatesRecorder();
    const a = task('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'load-0', []);
    recorder.add(a, null, stateOf('PENDING', 'aaaaaaaa-0000-4000-8000-000000000002'));
    const record = recorder.record(flowRun, 1);
    expect(() => taskRunStateEventTexts(record, [])).toThrow(/names 1 states, found 0/);
    const stranger = {
      task_run_id: 'other',
      id: 'x',
      type: 'PENDING',
      name: 'Pending',
      message: null,
      timestamp: '',
    };
    expect(() => taskRunStateEventTexts(record, [stranger as never])).toThrow(/does not name task run other/);
  });
});
