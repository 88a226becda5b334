// The pause watch of a running flow run: a run that ends within the watch's first second asks the
// server nothing, and a pause from outside made meanwhile is still seen by its first read and holds
// the tasks after it. The "server" is a client whose held reads the test answers.
import { describe, expect, it } from 'vitest';
import type { EdgeflowClient } from '../src/client/index.ts';
import type { FlowRun } from '../src/protocol/index.ts';
import { PauseWatch } from '../src/sdk/pause-watch.ts';

interface Read {
  after: string | null;
  answer(run: Partial<FlowRun>): void;
}

/** Records each `next_state` read; each waits for the test's answer (or the watch's abort). */
function heldReads() {
  const reads: Read[] = [];
  let arrived: () => void = () => undefined;
  const client = {
    runInputs: {
      nextState(_id: string, after: string | null, _wait: number, signal?: AbortSignal) {
        return new Promise((resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new Error('aborted')));
          reads.push({ after, answer: (run) => resolve(run) });
          arrived();
        });
      },
    },
  } as unknown as EdgeflowClient;
  const read = async (count: number) => {
    while (reads.length < count) await new Promise<void>((done) => (arrived = done));
    return reads[count - 1]!;
  };
  return { client, reads, read };
}

const inState = (id: string, type: string): Partial<FlowRun> =>
  ({ state_id: id, state_type: type, state: { id, type, name: type, state_details: {} } }) as never;

describe('the pause watch', () => {
  it('asks the server nothing for a run that ends within its first second', async () => {
    const server = heldReads();
    const watch = new PauseWatch(server.client, 'run', 'running-1', () => undefined);
    await watch.beforeTask();
    await watch.stop();
    expect(server.reads).toEqual([]);
  });

  it('sees a pause made before its first read, and holds the next task until the run is resumed', async () => {
    const server = heldReads();
    const said: string[] = [];
    const watch = new PauseWatch(server.client, 'run', 'running-1', (message) => said.push(message), {
      startsAfterMs: 0,
    });
    const first = await server.read(1);
    expect(first.after).toBe('running-1');
    first.answer(inState('paused-2', 'PAUSED'));
    // The second read follows from the paused state: the pause was taken in before it was sent.
    expect((await server.read(2)).after).toBe('paused-2');
    let started = false;
    const task = watch.beforeTask().then(() => {
      started = true;
    });
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(started).toBe(false);
    server.reads[1]!.answer(inState('running-3', 'RUNNING'));
    await task;
    expect(started).toBe(true);
    expect(said).toEqual([
      'The flow run is paused: new tasks wait until it is resumed.',
      'The flow run was resumed: its tasks go on.',
    ]);
    await watch.stop();
  });
});
