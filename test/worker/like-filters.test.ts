// Prefect's `like_` (a case-insensitive substring, `%` and `_` literal) at any length: D1 refuses LIKE
// patterns of 50 characters or more, which made ordinary name searches answer 500.
import type { Deployment, Flow, FlowRun, TaskRun } from 'edgeflow/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, createFlow } from './api';
import { createDeployment } from './deployments-api';

/** 200 characters, the longest a name may be, unique to this file's run. */
const marker = `LIKE-${crypto.randomUUID()}`;
const longName = `${marker}-${'n'.repeat(200 - marker.length - 1)}`;
const searches = {
  '49 characters': longName.slice(0, 49).toLowerCase(),
  '200 characters (a whole name)': longName,
  '5,000 characters (longer than any name)': longName.repeat(25),
};
const expected = {
  '49 characters': 1,
  '200 characters (a whole name)': 1,
  '5,000 characters (longer than any name)': 0,
};

const ids = (rows: { id: string }[]) => rows.map((row) => row.id);

describe('like_ filters of any length', () => {
  let flow: Flow;
  let run: FlowRun;
  let task: TaskRun;
  let deployment: Deployment;

  beforeAll(async () => {
    const flowId = await createFlow(longName);
    flow = (await api<Flow>('GET', `/flows/${flowId}`)).body;
    run = (await api<FlowRun>('POST', '/flow_runs', { flow_id: flowId, name: longName })).body;
    task = (
      await api<TaskRun>('POST', '/task_runs', {
        flow_run_id: run.id,
        task_key: 'like',
        dynamic_key: '0',
        name: longName,
      })
    ).body;
    deployment = await createDeployment({ name: longName });
  });

  for (const [label, like_] of Object.entries(searches)) {
    const hits = expected[label as keyof typeof expected];

    it(`matches flows, flow runs, task runs and deployments with ${label}`, async () => {
      const flows = await api<Flow[]>('POST', '/flows/filter', { flows: { name: { like_ } } });
      const runs = await api<FlowRun[]>('POST', '/flow_runs/filter', { flow_runs: { name: { like_ } } });
      const runsByFlow = await api<FlowRun[]>('POST', '/flow_runs/filter', { flows: { name: { like_ } } });
      const tasks = await api<TaskRun[]>('POST', '/task_runs/filter', { task_runs: { name: { like_ } } });
      const deployments = await api<Deployment[]>('POST', '/deployments/filter', {
        deployments: { name: { like_ } },
      });
      expect([flows, runs, runsByFlow, tasks, deployments].map((answer) => answer.status)).toEqual([
        200, 200, 200, 200, 200,
      ]);
      expect(ids(flows.body)).toEqual(hits ? [flow.id] : []);
      expect(ids(runs.body)).toEqual(hits ? [run.id] : []);
      expect(ids(runsByFlow.body)).toEqual(hits ? [run.id] : []);
      expect(ids(tasks.body)).toEqual(hits ? [task.id] : []);
      expect(ids(deployments.body)).toEqual(hits ? [deployment.id] : []);
    });

    it(`counts flow runs and task runs with ${label}`, async () => {
      const runs = await api<number>('POST', '/flow_runs/count', { flow_runs: { name: { like_ } } });
      const tasks = await api<number>('POST', '/task_runs/count', { task_runs: { name: { like_ } } });
      expect([runs.status, runs.body, tasks.status, tasks.body]).toEqual([200, hits, 200, hits]);
    });
  }

  it('takes % and _ literally', async () => {
    const flowId = await createFlow(`${marker}_100%`);
    const literal = await api<Flow[]>('POST', '/flows/filter', {
      flows: { name: { like_: `${marker}_100%` } },
    });
    const wildcard = await api<Flow[]>('POST', '/flows/filter', {
      flows: { name: { like_: `${marker}%n` } },
    });
    expect(ids(literal.body)).toEqual([flowId]);
    expect(ids(wildcard.body)).toEqual([]);
  });
});
