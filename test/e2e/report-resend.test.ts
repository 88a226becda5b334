// Reports sent again after a lost answer: against the real local server, through a proxy that cuts the
// answer to a request the server has already carried out, the client's resend must change nothing more.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogShipper } from '../../worker-agent/src/agent/log-shipper.ts';
import { EdgeflowClient } from '../../worker-agent/src/client/index.ts';
import type { LogCreate } from '../../worker-agent/src/protocol/index.ts';
import { cli } from './cli-harness.ts';
import {
  DEV_KEY,
  type LocalServer,
  type ProcessGroup,
  SDK_URL,
  startAgent,
  startServer,
  tempProject,
  waitUntil,
} from './harness.ts';
import { finished } from './sdk-helpers.ts';

const FLOWS = {
  'flows/nested.ts': `
import { flow } from '${SDK_URL}';

const child = flow(async ({ x }: { x: number }) => x + 1, { name: 'resend-child' });

export const parent = flow(async () => child({ x: 1 }), { name: 'resend-parent' });
`,
  'flows/one-task.ts': `
import { flow, task } from '${SDK_URL}';

const double = task((x: number) => x * 2, { name: 'double' });

export const oneTask = flow(async () => double(21), { name: 'resend-one-task' });
`,
};

interface Sent {
  method: string;
  path: string;
  body: string;
}

let server: LocalServer;
let proxy: Server;
let proxyUrl: string;
let project: ReturnType<typeof tempProject>;
let agent: ProcessGroup | undefined;

/** Every request that went through the proxy, in order. */
const sent: Sent[] = [];
/** Requests whose answer the proxy cuts, once the server has given it, the next time one comes. */
const toCut: ((request: Sent) => boolean)[] = [];

/** Passes every request on to the server whole; for a request `toCut` names, cuts the connection instead of answering. */
function startProxy(target: string): Promise<string> {
  proxy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const seen = {
        method: request.method ?? '',
        path: request.url ?? '',
        body: body?.toString('utf8') ?? '',
      };
      sent.push(seen);
      try {
        const answer = await fetch(`${target}${request.url}`, {
          method: request.method,
          headers: { authorization: request.headers.authorization ?? '', 'content-type': 'application/json' },
          body,
        });
        const text = await answer.text();
        const cut = toCut.findIndex((matches) => matches(seen));
        if (cut >= 0) {
          toCut.splice(cut, 1);
          request.socket.destroy();
          return;
        }
        response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' });
        response.end(text);
      } catch {
        request.socket.destroy();
      }
    });
  });
  return new Promise((listening) =>
    proxy.listen(0, '127.0.0.1', () =>
      listening(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`),
    ),
  );
}

const sentTo = (method: string, path: string) =>
  sent.filter((request) => request.method === method && request.path === path);

beforeAll(async () => {
  [server, project] = await Promise.all([startServer(), tempProject(FLOWS)]);
  proxyUrl = await startProxy(server.url);
});

afterAll(async () => {
  await agent?.stop('SIGKILL', 1_000);
  proxy?.closeAllConnections();
  await new Promise((closed) => (proxy ? proxy.close(closed) : closed(undefined)));
  await server?.stop();
  project?.remove();
});

const proxiedClient = () =>
  new EdgeflowClient({ apiUrl: proxyUrl, apiKey: DEV_KEY, backoff: { baseMs: 1, maxMs: 5 } });

describe('a report whose answer is lost is sent again, and the server records it once', () => {
  it('a log batch: the resend carries the same line keys, and each line is stored once', async () => {
    const errors: string[] = [];
    const shipper = new LogShipper(proxiedClient(), { onError: (message) => errors.push(message) });
    const flowRunId = crypto.randomUUID();
    const ownKey = crypto.randomUUID();
    toCut.push((request) => request.path === '/api/logs' && request.body.includes(flowRunId));
    for (let index = 0; index < 5; index++) {
      shipper.push({
        flow_run_id: flowRunId,
        level: 20,
        name: 'edgeflow.flow_runs',
        message: `line ${index}`,
        timestamp: new Date().toISOString(),
        ...(index === 0 ? { key: ownKey } : {}),
      });
    }
    await shipper.flush();

    expect(errors).toEqual([]);
    expect(toCut).toHaveLength(0);
    const batches = sentTo('POST', '/api/logs')
      .map((request) => JSON.parse(request.body) as LogCreate[])
      .filter((batch) => batch[0]?.flow_run_id === flowRunId);
    // The first send was stored and its answer cut; the resend carried the very same keys.
    expect(batches).toHaveLength(2);
    const [first, resent] = batches.map((batch) => batch.map((line) => line.key));
    expect(resent).toEqual(first);
    expect(first?.[0]).toBe(ownKey);
    expect(new Set(first).size).toBe(5);

    const stored = await server.client.filterLogs({ logs: { flow_run_id: { any_: [flowRunId] } } });
    expect(stored.map((log) => log.message)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    expect(stored.map((log) => log.key)).toEqual(first);
  });

  it('a flow-run proposal made without a transition id (as the agent proposes CANCELLED): one CANCELLED', async () => {
    const flow = await server.client.createFlow({ name: 'resend-proposal' });
    const run = await server.client.createFlowRun({ flow_id: flow.id });
    const path = `/api/flow_runs/${run.id}/set_state`;
    toCut.push((request) => request.path === path);
    const result = await proxiedClient().setFlowRunState(run.id, {
      state: { type: 'CANCELLED', name: 'Cancelled', message: 'stopped by its agent' },
    });

    expect(toCut).toHaveLength(0);
    expect(sentTo('POST', path)).toHaveLength(2);
    expect(result.state?.type).toBe('CANCELLED');
    const states = await server.client.readFlowRunStates(run.id);
    expect(states.map((state) => state.type)).toEqual(['PENDING', 'CANCELLED']);
  });

  it("a subflow's child run: the resent create returns the run the first one made", async () => {
    toCut.push((request) => request.path === '/api/flow_runs' && request.body.includes('parent_task_run_id'));
    agent = await startAgent({ server: { ...server, url: proxyUrl }, pool: 'e2e-resend', cwd: project.dir });
    const flow = await server.client.createFlow({ name: 'resend-parent' });
    const run = await server.client.createFlowRun({
      flow_id: flow.id,
      work_pool_name: 'e2e-resend',
      entrypoint: 'flows/nested.ts:parent',
    });
    const done = await finished({ server, project, agent, pool: 'e2e-resend' }, run);

    expect(done.state_type).toBe('COMPLETED');
    expect(toCut).toHaveLength(0);
    const creates = sentTo('POST', '/api/flow_runs').filter((request) =>
      request.body.includes('parent_task_run_id'),
    );
    expect(creates).toHaveLength(2);
    const [link] = await server.client.listTaskRuns(run.id);
    const children = await server.client.filterFlowRuns({
      flow_runs: { parent_task_run_id: { any_: [link!.id] } },
    });
    expect(children.map((child) => child.state_type)).toEqual(['COMPLETED']);
  });

  it("a flow run's last reports with its final state: the resend writes each state once", async () => {
    agent ??= await startAgent({
      server: { ...server, url: proxyUrl },
      pool: 'e2e-resend',
      cwd: project.dir,
    });
    const flow = await server.client.createFlow({ name: 'resend-one-task' });
    const run = await server.client.createFlowRun({
      flow_id: flow.id,
      work_pool_name: 'e2e-resend',
      entrypoint: 'flows/one-task.ts:oneTask',
    });
    const batchPath = `/api/flow_runs/${run.id}/task_runs/batch`;
    toCut.push((request) => request.path === batchPath && request.body.includes('"flow_run_state"'));
    const done = await finished({ server, project, agent, pool: 'e2e-resend' }, run);
    // The server has the final state from the first send; the resend follows after the client's backoff.
    await waitUntil(
      async () => sentTo('POST', batchPath).length,
      (count) => count >= 2,
      10_000,
      'the final batch to be sent again',
    );

    expect(done.state_type).toBe('COMPLETED');
    expect(toCut).toHaveLength(0);
    // The task's reports and the final state went together, twice (the first answer cut), and the
    // final state never went on its own.
    const batches = sentTo('POST', batchPath).map((request) => JSON.parse(request.body));
    expect(batches).toHaveLength(2);
    expect(batches[1]).toEqual(batches[0]);
    expect(batches[0].flow_run_state.state.type).toBe('COMPLETED');
    const finalProposals = sentTo('POST', `/api/flow_runs/${run.id}/set_state`).filter((request) =>
      request.body.includes('"COMPLETED"'),
    );
    expect(finalProposals).toHaveLength(0);
    const states = await server.client.readFlowRunStates(run.id);
    expect(states.map((state) => state.type)).toEqual(['SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED']);
    const [task] = await server.client.listTaskRuns(run.id);
    const taskStates = await server.client.readTaskRunStates(task!.id);
    expect(taskStates.map((state) => state.type)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    // The index has both once the run is seen ended.
    const indexed = await server.client.filterTaskRuns({ task_runs: { flow_run_id: { any_: [run.id] } } });
    expect(indexed.map((found) => found.state_type)).toEqual(['COMPLETED']);
  });

  it('`edgeflow run` without --idempotency-key: the resent create makes one run', async () => {
    await server.client.upsertDeployment({
      name: 'default',
      flow_name: 'resend-cli',
      entrypoint: 'flows/nested.ts:parent',
      work_pool_name: 'e2e-resend-cli',
    });
    const deployment = await server.client.readDeploymentByName('resend-cli', 'default');
    const path = `/api/deployments/${deployment.id}/create_flow_run`;
    toCut.push((request) => request.path === path);
    const result = await cli({ ...server, url: proxyUrl }, project.dir, ['run', 'resend-cli/default']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(toCut).toHaveLength(0);
    expect(sentTo('POST', path)).toHaveLength(2);
    const runs = await server.client.filterFlowRuns({
      flow_runs: { deployment_id: { any_: [deployment.id] } },
    });
    expect(runs).toHaveLength(1);
  });
});
