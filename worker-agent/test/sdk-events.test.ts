// Custom events from the SDK: `emitEvent` checks the limits where it is called, and the reporter sends
// events with the run's task reports (one request for both), or alone when nothing else is queued.
// The "server" is a client that records each batch and answers it at once.
import { describe, expect, it } from 'vitest';
import type { EdgeflowClient } from '../src/client/index.ts';
import type { EventCreate, FlowRun, TaskRunBatchItem } from '../src/protocol/index.ts';
import { withRunContext } from '../src/sdk/context.ts';
import { emitEvent } from '../src/sdk/events.ts';
import { TaskRunReporter } from '../src/sdk/reporter.ts';
import type { TaskRunner } from '../src/sdk/task-runner.ts';

function recordingServer() {
  const sent: { items: TaskRunBatchItem[]; events: EventCreate[] }[] = [];
  const client = {
    async applyTaskRunBatch(_id: string, body: { items: TaskRunBatchItem[]; events?: EventCreate[] }) {
      sent.push({ items: body.items, events: body.events ?? [] });
      return {
        results: body.items.map((item) => ({
          task_run_id: item.op === 'create' ? item.task_run.id : item.task_run_id,
          status: 'ACCEPT',
          state: null,
          details: { type: 'accept_details' },
        })),
      };
    },
  } as unknown as EdgeflowClient;
  return { client, sent };
}

const event = (name: string): EventCreate => ({
  id: crypto.randomUUID(),
  occurred: new Date().toISOString(),
  event: name,
  resource: { 'prefect.resource.id': 'shop.order.1' },
});

const create = (id: string) =>
  ({ op: 'create', task_run: { id, task_key: 'k', dynamic_key: id } }) as TaskRunBatchItem;

describe('events in the report batches', () => {
  it('sends events with the task reports queued beside them, in one request, in the order emitted', async () => {
    const { client, sent } = recordingServer();
    const reporter = new TaskRunReporter(client, 'run-1', undefined);
    reporter.enqueue(create('a'));
    reporter.enqueueEvent(event('one'));
    reporter.enqueueEvent(event('two'));
    await reporter.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.items).toHaveLength(1);
    expect(sent[0]!.events.map((e) => e.event)).toEqual(['one', 'two']);
  });

  it('sends events alone when no report is queued, and flush waits for them', async () => {
    const { client, sent } = recordingServer();
    const reporter = new TaskRunReporter(client, 'run-1', undefined);
    reporter.enqueueEvent(event('alone'));
    await reporter.flush();
    expect(sent).toEqual([{ items: [], events: [expect.objectContaining({ event: 'alone' })] }]);
  });
});

describe('emitEvent', () => {
  const runContext = (emitted: EventCreate[]) => ({
    flowRun: { id: '11111111-1111-4111-8111-111111111111' } as FlowRun,
    leaseId: undefined,
    client: {} as EdgeflowClient,
    log: () => undefined,
    taskRunner: { emitEvent: (e: EventCreate) => emitted.push(e) } as unknown as TaskRunner,
    taskRun: { id: '22222222-2222-4222-8222-222222222222', name: 't-0', logPrints: false },
  });

  it('relates the event to the flow run and task run it is emitted from', () => {
    const emitted: EventCreate[] = [];
    withRunContext(runContext(emitted), () =>
      emitEvent({ event: 'shop.order.shipped', resource: { 'prefect.resource.id': 'shop.order.1' } }),
    );
    expect(emitted[0]!.related!.map((r) => r['prefect.resource.role'])).toEqual(['flow-run', 'task-run']);
  });

  it('throws where it is called for an event over the limits, naming the field, and sends nothing', () => {
    const emitted: EventCreate[] = [];
    expect(() =>
      withRunContext(runContext(emitted), () =>
        emitEvent({ event: 'x'.repeat(1_025), resource: { 'prefect.resource.id': 'r' } }),
      ),
    ).toThrow(/invalid event/);
    expect(emitted).toEqual([]);
  });

  it('throws outside a flow run', () => {
    expect(() => emitEvent({ event: 'e', resource: { 'prefect.resource.id': 'r' } })).toThrow(
      /inside a flow run/,
    );
  });
});
