// The events a state change emits, in Prefect's shape: `prefect.flow-run.Running` on the run's
// resource, related to its flow, deployment, work pool, queue and tags (docs/events.md). Pure.
import type { Event, FlowRun, RelatedResource, State, TaskRun } from 'edgeflow/protocol';

/** An event as the server makes it, before it is stored (`received` is set on storing). */
export type NewEvent = Omit<Event, 'received'>;

/** Prefect truncates a state message in a label to this many characters. */
export const MESSAGE_LABEL_CHARS = 100_000;

export const related = (id: string, role: string, labels: Record<string, string> = {}): RelatedResource => ({
  'prefect.resource.id': id,
  'prefect.resource.role': role,
  ...labels,
});

/** What a task-run state event tells of its flow run. */
export type FlowRunFacts = Pick<
  FlowRun,
  'id' | 'name' | 'flow_id' | 'deployment_id' | 'work_queue_name' | 'work_pool_name'
>;
/** What a task-run state event tells of its task run (`run_count` as the state left it). */
export type TaskRunFacts = Pick<TaskRun, 'id' | 'name' | 'tags' | 'run_count'>;
/** What a state event tells of a state: the previous one needs no timestamp. */
export type StateFacts = Pick<State, 'id' | 'type' | 'name' | 'message'>;
export type WrittenStateFacts = StateFacts & Pick<State, 'timestamp'>;

/** What a flow run is related to: its flow, deployment, work queue, work pool and tags, in that order. */
export function flowRunRelated(run: FlowRun): RelatedResource[] {
  const out = flowRunPlacement(run);
  for (const tag of run.tags) out.push(related(`prefect.tag.${tag}`, 'tag'));
  return out;
}

/** `flowRunRelated` without the tags. */
export function flowRunPlacement(run: FlowRunFacts): RelatedResource[] {
  const out: RelatedResource[] = [related(`prefect.flow.${run.flow_id}`, 'flow')];
  if (run.deployment_id) out.push(related(`prefect.deployment.${run.deployment_id}`, 'deployment'));
  if (run.work_queue_name)
    out.push(
      related(`prefect.work-queue.${run.work_queue_name}`, 'work-queue', {
        'prefect.resource.name': run.work_queue_name,
      }),
    );
  if (run.work_pool_name)
    out.push(
      related(`prefect.work-pool.${run.work_pool_name}`, 'work-pool', {
        'prefect.resource.name': run.work_pool_name,
      }),
    );
  return out;
}

function stateLabels(state: WrittenStateFacts, runCount: number): Record<string, string> {
  return {
    'prefect.run-count': String(runCount),
    'prefect.state-message': (state.message ?? '').slice(0, MESSAGE_LABEL_CHARS),
    'prefect.state-name': state.name,
    'prefect.state-timestamp': state.timestamp,
    'prefect.state-type': state.type,
  };
}

const statePayload = (state: StateFacts | null) =>
  state && { type: state.type, name: state.name, message: state.message ?? '' };

/**
 * The payload Prefect gives a state change: what was intended and what was written. The event's id
 * is the written state's id, so the event is made once however often its delivery is retried, and
 * `follows` is the previous state's (that state's own event).
 */
function stateChange(previous: StateFacts | null, written: WrittenStateFacts) {
  return {
    id: written.id,
    occurred: written.timestamp,
    follows: previous?.id ?? null,
    payload: {
      intended: { from: previous?.type ?? null, to: written.type },
      initial_state: statePayload(previous),
      validated_state: statePayload(written),
    },
  };
}

/** `prefect.flow-run.<StateName>` for a flow run's written state; `run` is the run after the change. */
export function flowRunStateEvent(run: FlowRun, previous: State | null, written: State): NewEvent {
  return {
    event: `prefect.flow-run.${written.name}`,
    resource: {
      'prefect.resource.id': `prefect.flow-run.${run.id}`,
      'prefect.resource.name': run.name,
      ...stateLabels(written, run.run_count),
    },
    related: flowRunRelated(run),
    ...stateChange(previous, written),
  };
}

/** `prefect.task-run.<StateName>`: related to its flow run, then what the flow run is related to, then its tags. */
export function taskRunStateEvent(
  task: TaskRunFacts,
  flowRun: FlowRunFacts,
  previous: StateFacts | null,
  written: WrittenStateFacts,
): NewEvent {
  const runRelated = flowRunPlacement(flowRun);
  return {
    event: `prefect.task-run.${written.name}`,
    resource: {
      'prefect.resource.id': `prefect.task-run.${task.id}`,
      'prefect.resource.name': task.name,
      ...stateLabels(written, task.run_count),
    },
    related: [
      related(`prefect.flow-run.${flowRun.id}`, 'flow-run', { 'prefect.resource.name': flowRun.name }),
      ...runRelated,
      ...task.tags.map((tag) => related(`prefect.tag.${tag}`, 'tag')),
    ],
    ...stateChange(previous, written),
  };
}
