// A task batch's state events, kept as one small record beside the `states` rows the batch writes
// anyway and built at delivery, instead of a second copy of every state as an event (docs/events.md,
// "Task-run state events"). Pure: the record holds what the rows do not, and the events built from
// both are the ones the batch would have made itself.
import type { FlowRun, State, TaskRun } from 'edgeflow/protocol';
import {
  type FlowRunFacts,
  type NewEvent,
  type StateFacts,
  taskRunStateEvent,
  type WrittenStateFacts,
} from './state-events';

/**
 * One batch's task-run states, in the order its `states` rows were written (consecutive seqs from
 * `first_state_seq`). Per state: the task run's `run_count` as that state left it, and the previous
 * state, as the index of an earlier state of this record or, when it was written before the batch,
 * its facts (null: the task run's first state). A flow run's name and placement and a task run's
 * name and tags are copied here too, so that the events read as they would have at the batch's time.
 */
export interface TaskRunStatesRecord {
  first_state_seq: number;
  flow_run: FlowRunFacts;
  task_runs: Record<string, { name: string; tags: string[] }>;
  states: [runCount: number, previous: number | StateFacts | null][];
}

/** A written state's `states` row as delivery reads it. */
export interface WrittenStateRow extends WrittenStateFacts {
  task_run_id: string;
}

/** Collects a batch's written task-run states, in the order the batch writes them. */
export class TaskRunStatesRecorder {
  private readonly taskRuns: TaskRunStatesRecord['task_runs'] = {};
  private readonly states: TaskRunStatesRecord['states'] = [];
  /** Per task run, the index of its newest state in this record and that state's id. */
  private readonly newest = new Map<string, { index: number; id: string }>();

  get count(): number {
    return this.states.length;
  }

  /** `task` is the task run after the change, `previous` its state before. */
  add(
    task: Pick<TaskRun, 'id' | 'name' | 'tags' | 'run_count'>,
    previous: State | null,
    written: State,
  ): void {
    this.taskRuns[task.id] = { name: task.name, tags: task.tags };
    const earlier = this.newest.get(task.id);
    const before =
      previous === null
        ? null
        : earlier && earlier.id === previous.id
          ? earlier.index
          : { id: previous.id, type: previous.type, name: previous.name, message: previous.message };
    this.newest.set(task.id, { index: this.states.length, id: written.id });
    this.states.push([task.run_count, before]);
  }

  record(flowRun: FlowRun, firstStateSeq: number): TaskRunStatesRecord {
    const { id, name, flow_id, deployment_id, work_queue_name, work_pool_name } = flowRun;
    return {
      first_state_seq: firstStateSeq,
      flow_run: { id, name, flow_id, deployment_id, work_queue_name, work_pool_name },
      task_runs: this.taskRuns,
      states: this.states,
    };
  }
}

/**
 * The record's events, from its `states` rows (`rows`, in seq order from `first_state_seq`): the same
 * events, with the same ids (each its state's), however often they are built.
 */
export function taskRunStateEvents(
  record: TaskRunStatesRecord,
  rows: readonly WrittenStateRow[],
): NewEvent[] {
  if (rows.length !== record.states.length)
    throw new Error(`a task-run state record names ${record.states.length} states, found ${rows.length}`);
  return rows.map((row, index) => {
    const [runCount, before] = record.states[index]!;
    const task = record.task_runs[row.task_run_id];
    if (!task) throw new Error(`a task-run state record does not name task run ${row.task_run_id}`);
    const earlier = typeof before === 'number' ? rows[before]! : before;
    const previous = earlier && {
      id: earlier.id,
      type: earlier.type,
      name: earlier.name,
      message: earlier.message,
    };
    const written = {
      id: row.id,
      type: row.type,
      name: row.name,
      message: row.message,
      timestamp: row.timestamp,
    };
    return taskRunStateEvent(
      { id: row.task_run_id, run_count: runCount, ...task },
      record.flow_run,
      previous,
      written,
    );
  });
}
