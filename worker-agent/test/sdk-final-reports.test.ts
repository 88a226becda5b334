// The reporter's last batch goes with the flow run's final state, in one request (docs/sdk.md,
// "Reports and where the SDK waits"). The "server" is a client that records each request and answers
// at once, as a current server or one that does not know `flow_run_state` would.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type EdgeflowClient, StaleLeaseError } from '../src/client/index.ts';
import type {
  OrchestrationResult,
  StateCreate,
  TaskRunBatchItem,
  TaskRunBatchResult,
} from '../src/protocol/index.ts';
import { TaskRunReporter, withTransitionId } from '../src/sdk/reporter.ts';

interface Request {
  items: TaskRunBatchItem[];
  artifacts?: unknown[];
  flow_run_state?: { state: StateCreate; force: boolean };
  defer_index?: boolean;
}

const accepted = (state: StateCreate): OrchestrationResult => ({
  status: 'ACCEPT',
  state: {
    id: crypto.randomUUID(),
    type: state.type,
    name: state.name ?? state.type,
    timestamp: new Date().toISOString(),
    message: null,
    data: null,
    state_details: {},
  } as OrchestrationResult['state'],
  details: { type: 'accept_details' },
});

/** `knowsFlowRunState: false` answers as a server from before `flow_run_state` (it drops the field). */
function recordingServer({
  knowsFlowRunState = true,
  refuse,
}: {
  knowsFlowRunState?: boolean;
  refuse?: Error;
} = {}) {
  const requests: Request[] = [];
  const client = {
    async applyTaskRunBatch(_flowRunId: string, body: Request) {
      requests.push(body);
      await sleep(1);
      if (refuse) throw refuse;
      const results: TaskRunBatchResult[] = body.items.map((item) => ({
        task_run_id: item.op === 'create' ? item.task_run.id : item.task_run_id,
        status: 'ACCEPT',
        state: null,
        details: { type: 'accept_details' },
      }));
      const flowRunState = knowsFlowRunState ? body.flow_run_state : undefined;
      return { results, ...(flowRunState ? { flow_run_result: accepted(flowRunState.state) } : {}) };
    },
  } as unknown as EdgeflowClient;
  return { client, requests };
}

function create(id: string): TaskRunBatchItem {
  return {
    op: 'create',
    task_run: { id, task_key: 'k', dynamic_key: id, tags: [], state: { type: 'PENDING', name: 'Pending' } },
  } as TaskRunBatchItem;
}

const completed = () => withTransitionId({ type: 'COMPLETED', name: 'Completed' });
const INTERVAL_MS = 20;

describe("the reporter's last batch and the flow run's final state", () => {
  it('holds queued reports off the timer, then sends them with the final state in one request', async () => {
    const server = recordingServer();
    const reporter = new TaskRunReporter(server.client, 'run', 'lease-1', { intervalMs: INTERVAL_MS });
    reporter.enqueue(create('a'));
    reporter.enqueueState('a', { type: 'COMPLETED', name: 'Completed' });
    await reporter.holdForFinalState();
    await sleep(INTERVAL_MS * 4);
    expect(server.requests).toHaveLength(0);

    const state = completed();
    const answer = await reporter.proposeFlowRunState(state);
    expect(answer).toMatchObject({ status: 'ACCEPT', state: { type: 'COMPLETED' } });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.items.map((item) => item.op)).toEqual(['create', 'set_state']);
    expect(request!.flow_run_state).toEqual({ state, force: false });
    // The final state waits for the index: not deferred.
    expect(request!.defer_index).toBe(false);
    expect(reporter.failure).toBeNull();
  });

  it('lets requests in flight land before holding, and proposes alone when nothing is left', async () => {
    const server = recordingServer();
    const reporter = new TaskRunReporter(server.client, 'run', undefined, { intervalMs: 1 });
    reporter.enqueue(create('a'));
    await sleep(5);
    await reporter.holdForFinalState();
    expect(server.requests).toHaveLength(1);
    expect(await reporter.proposeFlowRunState(completed())).toBeNull();
    expect(server.requests).toHaveLength(1);
  });

  it('sends queued artifacts on their own first, and leaves the final state to set_state', async () => {
    const server = recordingServer();
    const reporter = new TaskRunReporter(server.client, 'run', undefined, { intervalMs: INTERVAL_MS });
    reporter.enqueue(create('a'));
    reporter.enqueueArtifact({ type: 'markdown', data: '# done' } as never);
    expect(await reporter.proposeFlowRunState(completed())).toBeNull();
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.flow_run_state).toBeUndefined();
    expect(server.requests[0]!.artifacts).toHaveLength(1);
  });

  it('answers null after an older server applied the items only, so set_state follows', async () => {
    const server = recordingServer({ knowsFlowRunState: false });
    const reporter = new TaskRunReporter(server.client, 'run', undefined, { intervalMs: INTERVAL_MS });
    reporter.enqueue(create('a'));
    expect(await reporter.proposeFlowRunState(completed())).toBeNull();
    expect(server.requests).toHaveLength(1);
    expect(reporter.failure).toBeNull();
  });

  it('records a stale lease on the combined request as the reporter failure', async () => {
    const server = recordingServer({
      refuse: new StaleLeaseError(
        409,
        'flow_run.stale_lease',
        'stale',
        'POST',
        '/api/flow_runs/run/task_runs/batch',
      ),
    });
    const reporter = new TaskRunReporter(server.client, 'run', 'lease-1', { intervalMs: INTERVAL_MS });
    reporter.enqueue(create('a'));
    expect(await reporter.proposeFlowRunState(completed())).toBeNull();
    expect(reporter.failure).toEqual({ kind: 'stale_lease' });
  });

  it('sends on the timer again once released (a flow run retried in place)', async () => {
    const server = recordingServer();
    const reporter = new TaskRunReporter(server.client, 'run', undefined, { intervalMs: INTERVAL_MS });
    await reporter.holdForFinalState();
    reporter.enqueue(create('a'));
    await sleep(INTERVAL_MS * 3);
    expect(server.requests).toHaveLength(0);
    reporter.release();
    await sleep(INTERVAL_MS * 3);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.flow_run_state).toBeUndefined();
  });
});
