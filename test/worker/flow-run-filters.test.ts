// Prefect's filter body over the D1 index, and read-your-writes after a transition.
import type { FlowRun } from 'edgeflow/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, createFlow } from './api';

const filter = (body: Record<string, unknown>) => api<FlowRun[]>('POST', '/flow_runs/filter', body);
const ids = (runs: FlowRun[]) => runs.map((run) => run.id).sort();

describe('POST /api/flow_runs/filter', () => {
  const runs: Record<string, FlowRun> = {};
  let flowName: string;
  let deploymentId: string;

  beforeAll(async () => {
    flowName = `filtered-${crypto.randomUUID().slice(0, 6)}`;
    const flow_id = await createFlow(flowName);
    const other = await createFlow();
    deploymentId = crypto.randomUUID();
    const make = async (key: string, body: Record<string, unknown>) => {
      runs[key] = (await api<FlowRun>('POST', '/flow_runs', { flow_id, ...body })).body;
    };
    await make('pending', { name: 'b-run', tags: ['etl', 'nightly'] });
    await make('running', { name: 'a-run', tags: ['etl'] });
    await make('deployed', { name: 'c-run', deployment_id: deploymentId, tags: ['nightly'] });
    runs.other = (await api<FlowRun>('POST', '/flow_runs', { flow_id: other, name: 'z-run' })).body;
    await api('POST', `/flow_runs/${runs.running!.id}/set_state`, { state: { type: 'RUNNING' } });
  });

  it('matches ids', async () => {
    const { body } = await filter({ flow_runs: { id: { any_: [runs.pending!.id, runs.other!.id] } } });
    expect(ids(body)).toEqual([runs.pending!.id, runs.other!.id].sort());
  });

  it('sees a state right after the transition that wrote it', async () => {
    const { body } = await filter({
      flows: { name: { any_: [flowName] } },
      flow_runs: { state: { type: { any_: ['RUNNING'] } } },
    });
    expect(ids(body)).toEqual([runs.running!.id]);
  });

  it('matches state names', async () => {
    const { body } = await filter({
      flows: { name: { any_: [flowName] } },
      flow_runs: { state: { name: { any_: ['Pending'] } } },
    });
    expect(ids(body)).toEqual([runs.pending!.id, runs.deployed!.id].sort());
  });

  it('requires all tags with tags.all_', async () => {
    const { body } = await filter({ flow_runs: { tags: { all_: ['etl', 'nightly'] } } });
    expect(ids(body)).toEqual([runs.pending!.id]);
  });

  it('matches deployment ids', async () => {
    const { body } = await filter({ flow_runs: { deployment_id: { any_: [deploymentId] } } });
    expect(ids(body)).toEqual([runs.deployed!.id]);
  });

  it('joins flow names', async () => {
    const { body } = await filter({ flows: { name: { any_: [flowName] } } });
    expect(body).toHaveLength(3);
  });

  it('sorts, limits and offsets', async () => {
    const base = { flows: { name: { any_: [flowName] } }, sort: 'NAME_ASC' };
    const first = await filter({ ...base, limit: 2 });
    const second = await filter({ ...base, limit: 2, offset: 2 });
    expect([...first.body, ...second.body].map((run) => run.name)).toEqual(['a-run', 'b-run', 'c-run']);
  });

  it('takes a 200-id list, more than D1 binds in one statement', async () => {
    const many = [runs.pending!.id, ...Array.from({ length: 199 }, () => crypto.randomUUID())];
    const { status, body } = await filter({ flow_runs: { id: { any_: many } } });
    expect(status).toBe(200);
    expect(ids(body)).toEqual([runs.pending!.id]);
  });

  it('refuses a limit above 200 naming the field', async () => {
    const { status, body } = await api<{ field: string }>('POST', '/flow_runs/filter', { limit: 201 });
    expect(status).toBe(422);
    expect(body.field).toBe('limit');
  });

  it('counts with the same filter', async () => {
    const { body } = await api<number>('POST', '/flow_runs/count', { flows: { name: { any_: [flowName] } } });
    expect(body).toBe(3);
  });
});

describe('the tag index', () => {
  it('keeps a run findable by its tags through transitions, and follows a change of tags', async () => {
    const flow_id = await createFlow();
    const tag = `tagged-${crypto.randomUUID().slice(0, 6)}`;
    const moved = `moved-${crypto.randomUUID().slice(0, 6)}`;
    const run = (await api<FlowRun>('POST', '/flow_runs', { flow_id, tags: [tag] })).body;
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' } });
    const byTag = async (name: string) => ids((await filter({ flow_runs: { tags: { all_: [name] } } })).body);
    expect(await byTag(tag)).toEqual([run.id]);

    expect((await api('PATCH', `/flow_runs/${run.id}`, { tags: [moved] })).status).toBe(204);
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'COMPLETED' } });
    expect(await byTag(moved)).toEqual([run.id]);
    expect(await byTag(tag)).toEqual([]);
  });
});
