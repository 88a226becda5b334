import { EventCreateSchema, type FlowRun, type TaskRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import {
  agentEvent,
  decodePageToken,
  encodePageToken,
  flowRunStateEvent,
  lifecycleEvent,
  retentionCutoff,
  splitWildcards,
  taskRunStateEvent,
  timeBuckets,
} from '../../src/domain/events';
import { newFlowRunDoc } from '../../src/domain/runs/flow-run-docs';
import { newTaskRunDoc } from '../../src/domain/runs/task-run-docs';
import { NOW, state } from './fixtures';

const RUN_ID = '11111111-1111-4111-8111-111111111111';
const FLOW_ID = '22222222-2222-4222-8222-222222222222';
const DEPLOYMENT_ID = '33333333-3333-4333-8333-333333333333';

function run(fields: Partial<FlowRun> = {}): FlowRun {
  const doc = newFlowRunDoc(
    RUN_ID,
    { flow_id: FLOW_ID, name: 'brave-otter', tags: ['etl', 'nightly'] } as never,
    NOW,
    () => 0.5,
  );
  return {
    ...doc,
    deployment_id: DEPLOYMENT_ID,
    work_pool_name: 'pool-a',
    work_queue_name: 'default',
    ...fields,
  };
}

const running = state('RUNNING', {
  id: '44444444-4444-4444-8444-444444444444',
  timestamp: NOW.toISOString(),
});
const pending = state('PENDING', { id: '55555555-5555-4555-8555-555555555555' });

describe('state-change events', () => {
  it("names a flow run's event after the written state, on the run's resource", () => {
    const event = flowRunStateEvent(run(), pending, running);
    expect(event.event).toBe('prefect.flow-run.Running');
    expect(event.resource).toMatchObject({
      'prefect.resource.id': `prefect.flow-run.${RUN_ID}`,
      'prefect.resource.name': 'brave-otter',
      'prefect.state-type': 'RUNNING',
      'prefect.state-name': 'Running',
    });
    expect(event.occurred).toBe(running.timestamp);
  });

  it('takes the written state id as its id and follows the previous state, so a redelivery is the same event', () => {
    const event = flowRunStateEvent(run(), pending, running);
    expect(event.id).toBe(running.id);
    expect(event.follows).toBe(pending.id);
    expect(event.payload).toMatchObject({ intended: { from: 'PENDING', to: 'RUNNING' } });
  });

  it('relates a flow run to its flow, deployment, work queue, work pool and tags with their roles', () => {
    const roles = flowRunStateEvent(run(), null, running).related.map((r) => [
      r['prefect.resource.role'],
      r['prefect.resource.id'],
    ]);
    expect(roles).toEqual([
      ['flow', `prefect.flow.${FLOW_ID}`],
      ['deployment', `prefect.deployment.${DEPLOYMENT_ID}`],
      ['work-queue', 'prefect.work-queue.default'],
      ['work-pool', 'prefect.work-pool.pool-a'],
      ['tag', 'prefect.tag.etl'],
      ['tag', 'prefect.tag.nightly'],
    ]);
  });

  it('leaves out what a run does not have (no deployment, no pool)', () => {
    const roles = flowRunStateEvent(
      run({ deployment_id: null, work_pool_name: null, work_queue_name: null, tags: [] }),
      null,
      running,
    ).related.map((r) => r['prefect.resource.role']);
    expect(roles).toEqual(['flow']);
  });

  it("relates a task run to its flow run first, then the flow run's resources and the task's own tags", () => {
    const task: TaskRun = {
      ...newTaskRunDoc(
        RUN_ID,
        {
          id: '66666666-6666-4666-8666-666666666666',
          task_key: 'k',
          dynamic_key: '0',
          name: 'load-0',
          tags: ['io'],
        } as never,
        NOW,
      ),
    };
    const event = taskRunStateEvent(task, run(), null, running);
    expect(event.event).toBe('prefect.task-run.Running');
    expect(event.resource['prefect.resource.id']).toBe(`prefect.task-run.${task.id}`);
    expect(event.related.map((r) => r['prefect.resource.id'])).toEqual([
      `prefect.flow-run.${RUN_ID}`,
      `prefect.flow.${FLOW_ID}`,
      `prefect.deployment.${DEPLOYMENT_ID}`,
      'prefect.work-queue.default',
      'prefect.work-pool.pool-a',
      'prefect.tag.io',
    ]);
  });

  it('makes events that the wire schema accepts as they are', () => {
    const event = flowRunStateEvent(run(), pending, running);
    expect(EventCreateSchema.safeParse(event).success).toBe(true);
  });
});

describe('lifecycle and agent events', () => {
  const stamp = { id: '77777777-7777-4777-8777-777777777777', occurred: NOW };

  it('names lifecycle events prefect.<object>.<action>', () => {
    const event = lifecycleEvent({ kind: 'deployment', id: DEPLOYMENT_ID, name: 'nightly' }, 'paused', stamp);
    expect(event.event).toBe('prefect.deployment.paused');
    expect(event.resource['prefect.resource.id']).toBe(`prefect.deployment.${DEPLOYMENT_ID}`);
  });

  it("reports an agent online and offline as Prefect's worker started and stopped, related to its pool", () => {
    expect(agentEvent('pool-a', 'agent-1', 'online', stamp).event).toBe('prefect.worker.started');
    const offline = agentEvent('pool-a', 'agent-1', 'offline', stamp);
    expect(offline.event).toBe('prefect.worker.stopped');
    expect(offline.related[0]).toMatchObject({ 'prefect.resource.role': 'work-pool' });
  });
});

describe('the event limits', () => {
  const base = {
    id: '88888888-8888-4888-8888-888888888888',
    occurred: NOW.toISOString(),
    event: 'my.event',
    resource: { 'prefect.resource.id': 'my.resource' },
  };
  const fieldOf = (input: unknown) => {
    const parsed = EventCreateSchema.safeParse(input);
    return parsed.success ? null : parsed.error.issues[0]!.path.join('.');
  };

  it('refuses a name over 1,024 characters, naming event', () => {
    expect(fieldOf({ ...base, event: 'x'.repeat(1_025) })).toBe('event');
    expect(fieldOf({ ...base, event: 'x'.repeat(1_024) })).toBeNull();
  });

  it('refuses more than 100 related resources, naming related', () => {
    const one = { 'prefect.resource.id': 'r', 'prefect.resource.role': 'x' };
    expect(fieldOf({ ...base, related: Array(101).fill(one) })).toBe('related');
    expect(fieldOf({ ...base, related: Array(100).fill(one) })).toBeNull();
  });

  it('refuses an event over 1.5 MB, naming payload', () => {
    expect(fieldOf({ ...base, payload: { big: 'x'.repeat(1_500_001) } })).toBe('payload');
  });

  it('requires a resource id, and a role on a related resource', () => {
    expect(fieldOf({ ...base, resource: {} })).toBe('resource.prefect.resource.id');
    expect(fieldOf({ ...base, related: [{ 'prefect.resource.id': 'r' }] })).toBe(
      'related.0.prefect.resource.role',
    );
  });
});

describe('reading', () => {
  it('takes an id ending in * as a prefix', () => {
    expect(splitWildcards(['prefect.flow-run.*', 'prefect.flow.1'])).toEqual({
      exact: ['prefect.flow.1'],
      prefixes: ['prefect.flow-run.'],
    });
  });

  it('reads back the page token it wrote', () => {
    const token = {
      filter: { order: 'DESC' as const },
      limit: 5,
      after: { occurred: NOW.toISOString(), seq: 9 },
    };
    expect(decodePageToken(encodePageToken(token))).toEqual(token);
    expect(decodePageToken('%%%')).toBeNull();
  });

  it('refuses a count-by-time over more than 1,000 buckets, naming time_interval', () => {
    const body = { filter: { order: 'DESC' as const }, time_unit: 'second' as const, time_interval: 1 };
    expect(timeBuckets(body, NOW)).toMatchObject({ field: 'time_interval' });
    const hourly = timeBuckets({ ...body, time_unit: 'hour' }, NOW);
    expect(hourly).toMatchObject({ seconds: 3_600 });
  });

  it('keeps events 7 days by default, or as many days as configured', () => {
    const day = 86_400_000;
    expect(retentionCutoff(NOW, undefined).getTime()).toBe(NOW.getTime() - 7 * day);
    expect(retentionCutoff(NOW, '2').getTime()).toBe(NOW.getTime() - 2 * day);
    expect(retentionCutoff(NOW, 'nonsense').getTime()).toBe(NOW.getTime() - 7 * day);
  });
});
