// Events for objects' lifecycles and other happenings the server sees: deployments, work pools and
// queues created, updated, deleted, paused and resumed; agents online and offline; webhook calls. Pure.
import type { RelatedResource } from 'edgeflow/protocol';
import type { NewEvent } from './state-events';

export type LifecycleAction = 'created' | 'updated' | 'deleted' | 'paused' | 'resumed';

export interface ObjectRef {
  /** `deployment`, `work-pool`, `work-queue`, `automation`: the resource id is `prefect.<kind>.<id>`. */
  kind: 'deployment' | 'work-pool' | 'work-queue' | 'automation';
  id: string;
  name: string;
}

export interface EventStamp {
  /** A fresh UUID, made by the caller. */
  id: string;
  occurred: Date;
}

const resourceOf = (ref: ObjectRef) => ({
  'prefect.resource.id': `prefect.${ref.kind}.${ref.id}`,
  'prefect.resource.name': ref.name,
});

/** `prefect.deployment.paused` and the like. */
export function lifecycleEvent(
  ref: ObjectRef,
  action: LifecycleAction,
  stamp: EventStamp,
  related: RelatedResource[] = [],
): NewEvent {
  return {
    id: stamp.id,
    occurred: stamp.occurred.toISOString(),
    event: `prefect.${ref.kind}.${action}`,
    resource: resourceOf(ref),
    related,
    payload: {},
    follows: null,
  };
}

/**
 * `prefect.work-queue.created` and the like: the queue named by name, as flow runs' events name it
 * (docs/events.md), its pool related (queue names repeat across pools).
 */
export function workQueueEvent(
  poolName: string,
  queueName: string,
  action: LifecycleAction,
  stamp: EventStamp,
): NewEvent {
  return lifecycleEvent({ kind: 'work-queue', id: queueName, name: queueName }, action, stamp, [
    {
      'prefect.resource.id': `prefect.work-pool.${poolName}`,
      'prefect.resource.role': 'work-pool',
      'prefect.resource.name': poolName,
    },
  ]);
}

/**
 * An agent came online in a pool (its first heartbeat or claim) or went offline (its heartbeat
 * lapsed): Prefect's worker events, the worker's resource named by pool and agent.
 */
export function agentEvent(
  poolName: string,
  agentName: string,
  presence: 'online' | 'offline',
  stamp: EventStamp,
): NewEvent {
  return {
    id: stamp.id,
    occurred: stamp.occurred.toISOString(),
    event: presence === 'online' ? 'prefect.worker.started' : 'prefect.worker.stopped',
    resource: {
      'prefect.resource.id': `prefect.worker.edgeflow.${poolName}.${agentName}`,
      'prefect.resource.name': agentName,
    },
    related: [
      {
        'prefect.resource.id': `prefect.work-pool.${poolName}`,
        'prefect.resource.role': 'work-pool',
        'prefect.resource.name': poolName,
      },
    ],
    payload: {},
    follows: null,
  };
}

/**
 * A webhook was called: `edgeflow.webhook.called`, related to the deployment it runs and its run
 * (neither for a webhook that only emits an event).
 */
export function webhookCalledEvent(
  webhook: { id: string; name: string },
  deploymentId: string | null,
  flowRunId: string | null,
  stamp: EventStamp,
): NewEvent {
  const related: RelatedResource[] = [];
  if (deploymentId)
    related.push({
      'prefect.resource.id': `prefect.deployment.${deploymentId}`,
      'prefect.resource.role': 'deployment',
    });
  if (flowRunId)
    related.push({
      'prefect.resource.id': `prefect.flow-run.${flowRunId}`,
      'prefect.resource.role': 'flow-run',
    });
  return {
    id: stamp.id,
    occurred: stamp.occurred.toISOString(),
    event: 'edgeflow.webhook.called',
    resource: {
      'prefect.resource.id': `edgeflow.webhook.${webhook.id}`,
      'prefect.resource.name': webhook.name,
    },
    related,
    payload: {},
    follows: null,
  };
}
