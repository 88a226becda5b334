// A task batch's state events, kept as one small record beside the `states` rows the batch writes
// anyway and built at delivery, instead of a second copy of every state as an event (docs/events.md,
// "Durable, off the hot path"). Pure: the record holds what the rows do not, and the events built from
// both are the ones the batch would have made itself.
import type { FlowRun, State } from 'edgeflow/protocol';
import {
  type FlowRunFacts,
  flowRunPlacement,
  MESSAGE_LABEL_CHARS,
  related,
  type StateFacts,
  type TaskRunFacts,
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
  add(task: TaskRunFacts, previous: State | null, written: State): void {
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
 * The record's events as JSON texts, from its `states` rows (`rows`, in seq order from
 * `first_state_seq`): each the text of `taskRunStateEvent` for that state, with the same id (the
 * state's) however often it is built. The parts that are the same for a flow run or a task run are
 * encoded once per record rather than once per event.
 */
export function taskRunStateEventTexts(
  record: TaskRunStatesRecord,
  rows: readonly WrittenStateRow[],
): string[] {
  if (rows.length !== record.states.length)
    throw new Error(`a task-run state record names ${record.states.length} states, found ${rows.length}`);
  const flowRun = record.flow_run;
  const runRelated = JSON.stringify([
    related(`prefect.flow-run.${flowRun.id}`, 'flow-run', { 'prefect.resource.name': flowRun.name }),
    ...flowRunPlacement(flowRun),
  ]).slice(0, -1);
  const taskParts = new Map<string, { id: string; name: string; tags: string }>();
  return rows.map((row, index) => {
    const [runCount, before] = record.states[index]!;
    let task = taskParts.get(row.task_run_id);
    if (!task) {
      const facts = record.task_runs[row.task_run_id];
      if (!facts) throw new Error(`a task-run state record does not name task run ${row.task_run_id}`);
      task = {
        id: JSON.stringify(`prefect.task-run.${row.task_run_id}`),
        name: JSON.stringify(facts.name),
        tags: facts.tags.map((tag) => `,${JSON.stringify(related(`prefect.tag.${tag}`, 'tag'))}`).join(''),
      };
      taskParts.set(row.task_run_id, task);
    }
    const previous = typeof before === 'number' ? rows[before]! : before;
    const message = row.message ?? '';
    const type = JSON.stringify(row.type);
    const name = JSON.stringify(row.name);
    const timestamp = JSON.stringify(row.timestamp);
    return (
      `{"event":${JSON.stringify(`prefect.task-run.${row.name}`)},` +
      `"resource":{"prefect.resource.id":${task.id},"prefect.resource.name":${task.name},` +
      `"prefect.run-count":"${runCount}","prefect.state-message":${JSON.stringify(message.slice(0, MESSAGE_LABEL_CHARS))},` +
      `"prefect.state-name":${name},"prefect.state-timestamp":${timestamp},"prefect.state-type":${type}},` +
      `"related":${runRelated}${task.tags}],"id":${JSON.stringify(row.id)},"occurred":${timestamp},` +
      `"follows":${previous ? JSON.stringify(previous.id) : 'null'},` +
      `"payload":{"intended":{"from":${previous ? JSON.stringify(previous.type) : 'null'},"to":${type}},` +
      `"initial_state":${previous ? payloadText(previous) : 'null'},` +
      `"validated_state":{"type":${type},"name":${name},"message":${JSON.stringify(message)}}}}`
    );
  });
}

const payloadText = (state: StateFacts) =>
  `{"type":${JSON.stringify(state.type)},"name":${JSON.stringify(state.name)},"message":${JSON.stringify(state.message ?? '')}}`;
