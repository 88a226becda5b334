// Artifacts from the SDK: the helpers check their input where they are called and queue the artifact
// with the run's task reports (one request for both); a progress update never overtakes the create
// or the earlier update it follows. The "server" is a client that records each batch.
import { describe, expect, it } from 'vitest';
import type { EdgeflowClient } from '../src/client/index.ts';
import type { ArtifactCreate, ArtifactProgress, FlowRun, TaskRunBatchItem } from '../src/protocol/index.ts';
import { createMarkdownArtifact, createTableArtifact } from '../src/sdk/artifacts.ts';
import { withRunContext } from '../src/sdk/context.ts';
import { TaskRunReporter } from '../src/sdk/reporter.ts';
import type { TaskRunner } from '../src/sdk/task-runner.ts';

interface Sent {
  items: TaskRunBatchItem[];
  artifacts: ArtifactCreate[];
  progress: ArtifactProgress[];
}

/** Records each batch; with `gated`, answers none until `open()` is called. */
function recordingServer({ gated = false } = {}) {
  const sent: Sent[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let open: () => void = () => {};
  const gate = gated ? new Promise<void>((resolve) => (open = resolve)) : Promise.resolve();
  const client = {
    async applyTaskRunBatch(
      _id: string,
      body: {
        items: TaskRunBatchItem[];
        artifacts?: ArtifactCreate[];
        artifact_progress?: ArtifactProgress[];
      },
    ) {
      sent.push({
        items: body.items,
        artifacts: body.artifacts ?? [],
        progress: body.artifact_progress ?? [],
      });
      for (const waiter of waiters.filter((w) => sent.length >= w.count)) waiter.resolve();
      await gate;
      return { results: [] };
    },
  } as unknown as EdgeflowClient;
  /** Settles once `count` batches have been sent (answered or not). */
  const requests = (count: number) =>
    sent.length >= count
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.push({ count, resolve }));
  return { client, sent, open: () => open(), requests };
}

const artifact = (key: string): ArtifactCreate => ({
  id: crypto.randomUUID(),
  key,
  type: 'markdown',
  data: key,
});

function inRun<T>(reporter: TaskRunReporter, fn: () => T): T {
  const taskRunner = {
    sendArtifact: (a: ArtifactCreate) => reporter.enqueueArtifact(a),
    sendArtifactProgress: (p: ArtifactProgress) => reporter.enqueueArtifactProgress(p),
  } as unknown as TaskRunner;
  const flowRun = { id: '3f1e8a0c-5b7d-4c2e-9a61-0d4b2c8e7f10' } as FlowRun;
  return withRunContext(
    { flowRun, leaseId: undefined, client: {} as EdgeflowClient, log: () => {}, taskRunner },
    fn,
  );
}

describe('artifact helpers', () => {
  it('queue the artifact linked to the current flow run, sent in the next report batch', async () => {
    const { client, sent } = recordingServer();
    const reporter = new TaskRunReporter(client, 'run-1', undefined);
    const id = inRun(reporter, () => createMarkdownArtifact('# hi', { key: 'daily-report' }));
    inRun(reporter, () => createTableArtifact({ a: [1, 2] }));
    await reporter.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.artifacts).toEqual([
      expect.objectContaining({ id, key: 'daily-report', type: 'markdown', flow_run_id: expect.any(String) }),
      expect.objectContaining({ type: 'table', data: { a: [1, 2] } }),
    ]);
  });

  it('throw where they are called for a bad key or data, naming it, and outside a flow run', () => {
    const reporter = new TaskRunReporter(recordingServer().client, 'run-1', undefined);
    expect(() => inRun(reporter, () => createMarkdownArtifact('x', { key: 'Bad Key' }))).toThrow(
      /invalid key/,
    );
    expect(() => inRun(reporter, () => createTableArtifact('rows' as never))).toThrow(/table/);
    expect(() => createMarkdownArtifact('x')).toThrow(/inside a flow run/);
  });
});

describe('progress in the report batches', () => {
  it('waits while the artifact it moves is in flight, then goes in a later request', async () => {
    const { client, sent, open, requests } = recordingServer({ gated: true });
    // A full batch (2) goes at once, beside the one in flight: two requests may be in flight.
    const reporter = new TaskRunReporter(client, 'run-1', undefined, { intervalMs: 1, maxBatch: 2 });
    const created = artifact('progress');
    reporter.enqueueArtifact(created);
    reporter.enqueueArtifactProgress({ id: created.id!, progress: 50 });
    const flushed = reporter.flush();
    // Same batch: the server applies creates before progress.
    await requests(1);
    reporter.enqueueArtifact(artifact('second'));
    reporter.enqueueArtifactProgress({ id: created.id!, progress: 90 });
    // The full batch goes beside the one in flight, without the progress that would overtake it.
    await requests(2);
    expect(sent.flatMap((batch) => batch.artifacts.map((a) => a.key))).toEqual(['progress', 'second']);
    expect(sent.flatMap((batch) => batch.progress.map((p) => p.progress))).toEqual([50]);
    open();
    await flushed;
    await reporter.flush();
    expect(sent.flatMap((batch) => batch.progress.map((p) => p.progress))).toEqual([50, 90]);
    expect(sent.findIndex((batch) => batch.progress.some((p) => p.progress === 90))).toBeGreaterThan(0);
  });
});
