// The task-run reporter's batching: order per task run, what may be in flight at once, and where a
// waited proposal goes. The "server" is a client whose answers the test releases one by one.
import { describe, expect, it } from 'vitest';
import type { EdgeflowClient } from '../src/client/index.ts';
import type { TaskRunBatchItem, TaskRunBatchResult } from '../src/protocol/index.ts';
import { TaskRunReporter } from '../src/sdk/reporter.ts';

interface Sent {
  items: TaskRunBatchItem[];
  answer(): void;
}

/** Records each batch request and answers it (ACCEPT for every item) when the test says so. */
function heldServer() {
  const sent: Sent[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let arrived: () => void = () => undefined;
  const client = {
    applyTaskRunBatch(_flowRunId: string, body: { items: TaskRunBatchItem[] }) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<{ results: TaskRunBatchResult[] }>((resolve) => {
        sent.push({
          items: body.items,
          answer: () => {
            inFlight--;
            resolve({
              results: body.items.map((item) => ({
                task_run_id: idOf(item),
                status: 'ACCEPT',
                state: null,
                details: { type: 'accept_details' },
              })),
            });
          },
        });
        arrived();
      });
    },
  } as unknown as EdgeflowClient;
  /** Resolves once `count` requests have arrived in all. */
  const requests = async (count: number) => {
    while (sent.length < count) await new Promise<void>((done) => (arrived = done));
    return sent;
  };
  return { client, sent, requests, maxInFlight: () => maxInFlight, inFlight: () => inFlight };
}

const idOf = (item: TaskRunBatchItem) => (item.op === 'create' ? item.task_run.id : item.task_run_id);

function create(id: string): TaskRunBatchItem {
  return {
    op: 'create',
    task_run: { id, task_key: 'k', dynamic_key: id, tags: [], state: { type: 'PENDING', name: 'Pending' } },
  } as TaskRunBatchItem;
}

function setState(id: string, type: 'RUNNING' | 'COMPLETED'): TaskRunBatchItem {
  return { op: 'set_state', task_run_id: id, state: { type, name: type }, force: false } as TaskRunBatchItem;
}

/** Each task run's item types in the order they were sent, across all batches. */
function sequences(sent: Sent[]): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const { items } of sent) {
    for (const item of items) {
      const kind = item.op === 'create' ? 'create' : item.state.type;
      seen.set(idOf(item), [...(seen.get(idOf(item)) ?? []), kind]);
    }
  }
  return seen;
}

describe('the task-run reporter', () => {
  it('keeps each task run in order and never has one task run in two requests at once', {
    timeout: 5000,
  }, async () => {
    const server = heldServer();
    const reporter = new TaskRunReporter(server.client, 'run', undefined, {
      maxBatch: 4,
      intervalMs: 60_000,
    });
    for (let i = 0; i < 6; i++) {
      reporter.enqueue(create(`t${i}`));
      reporter.enqueue(setState(`t${i}`, 'RUNNING'));
    }
    // Two full batches go out at once; t0's COMPLETED, queued now, must wait for the first answer.
    const [first, second] = await server.requests(2);
    reporter.enqueue(setState('t0', 'COMPLETED'));
    expect(first!.items.map(idOf)).toEqual(['t0', 't0', 't1', 't1']);
    expect(second!.items.map(idOf)).toEqual(['t2', 't2', 't3', 't3']);
    const flushed = reporter.flush();
    await Promise.resolve();
    expect(server.sent).toHaveLength(2);
    first!.answer();
    const third = (await server.requests(3))[2]!;
    expect(third.items.map(idOf)).not.toContain('t2');
    second!.answer();
    third.answer();
    for (const request of await server.requests(4))
      if (request !== first && request !== second) request.answer();
    await flushed;
    expect(server.maxInFlight()).toBe(2);
    const order = sequences(server.sent);
    expect(order.get('t0')).toEqual(['create', 'RUNNING', 'COMPLETED']);
    for (let i = 1; i < 6; i++) expect(order.get(`t${i}`)).toEqual(['create', 'RUNNING']);
  });

  it("sends a full queue once the code filling it yields, so each task run's items go together", async () => {
    const server = heldServer();
    const reporter = new TaskRunReporter(server.client, 'run', undefined, {
      maxBatch: 4,
      intervalMs: 60_000,
    });
    // As `task.map` does: every create in one call, then each task's RUNNING a microtask later.
    for (let i = 0; i < 4; i++) reporter.enqueue(create(`t${i}`));
    await Promise.resolve();
    for (let i = 0; i < 4; i++) reporter.enqueue(setState(`t${i}`, 'RUNNING'));
    const [first, second] = await server.requests(2);
    expect(first!.items.map(idOf)).toEqual(['t0', 't0', 't1', 't1']);
    // The rest fits in one batch: in arrival order, each run's create and RUNNING in it.
    expect(second!.items.map(idOf)).toEqual(['t2', 't3', 't2', 't3']);
    first!.answer();
    second!.answer();
    await reporter.flush();
    expect(server.sent).toHaveLength(2);
  });

  it('sends a waited proposal with the queue ahead of it, once nothing else is in flight', async () => {
    const server = heldServer();
    const reporter = new TaskRunReporter(server.client, 'run', undefined, {
      maxBatch: 2,
      intervalMs: 60_000,
    });
    reporter.enqueue(create('a'));
    reporter.enqueue(create('b'));
    const [first] = await server.requests(1);
    reporter.enqueue(create('c'));
    const answer = reporter.propose(setState('c', 'RUNNING'));
    await Promise.resolve();
    // The proposal waits for the batch in flight, although it shares no task run with it.
    expect(server.sent).toHaveLength(1);
    first!.answer();
    const waited = (await server.requests(2))[1]!;
    expect(waited.items.map((item) => (item.op === 'create' ? 'create c' : 'RUNNING c'))).toEqual([
      'create c',
      'RUNNING c',
    ]);
    waited.answer();
    expect((await answer).status).toBe('ACCEPT');
    await reporter.flush();
  });

  it("sends held proposals on their own after their runs' earlier items, while other reports keep going", {
    timeout: 5000,
  }, async () => {
    const server = heldServer();
    const reporter = new TaskRunReporter(server.client, 'run', undefined, {
      maxBatch: 10,
      intervalMs: 60_000,
    });
    reporter.enqueue(create('a'));
    reporter.enqueue(create('b'));
    const heldA = reporter.proposeHeld(setState('a', 'RUNNING'));
    const heldB = reporter.proposeHeld(setState('b', 'RUNNING'));
    const [creates] = await server.requests(1);
    expect(creates!.items.map(idOf)).toEqual(['a', 'b']);
    creates!.answer();
    // The server holds both RUNNINGs (a full tag limit); another task's report still goes out beside
    // them: queued behind waited proposals, the slot it frees would never come.
    const [, first, second] = await server.requests(3);
    expect([first!.items.map(idOf), second!.items.map(idOf)].sort()).toEqual([['a'], ['b']]);
    reporter.enqueue(setState('other', 'COMPLETED'));
    const flushed = reporter.flush();
    const [, , , other] = await server.requests(4);
    expect(other!.items.map(idOf)).toEqual(['other']);
    other!.answer();
    await flushed;
    first!.answer();
    second!.answer();
    expect((await heldA).status).toBe('ACCEPT');
    expect((await heldB).status).toBe('ACCEPT');
  });

  it('keeps arrival order across task runs when the whole queue fits in one batch', async () => {
    const server = heldServer();
    const reporter = new TaskRunReporter(server.client, 'run', undefined, {
      maxBatch: 10,
      intervalMs: 60_000,
    });
    reporter.enqueue(create('a'));
    reporter.enqueue(create('b'));
    reporter.enqueue(setState('a', 'RUNNING'));
    const flushed = reporter.flush();
    const [only] = await server.requests(1);
    only!.answer();
    await flushed;
    expect(only!.items.map((item) => `${item.op} ${idOf(item)}`)).toEqual([
      'create a',
      'create b',
      'set_state a',
    ]);
  });
});
