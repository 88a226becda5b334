// The deployments API: upsert on (flow, name), reads, filters, changes, and runs created from a deployment.
import type { Deployment, FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api } from './api';
import { createDeployment, unique } from './deployments-api';
import { createPool } from './pools';

const schema = {
  type: 'object',
  properties: { name: { type: 'string' }, count: { type: 'integer', minimum: 1 } },
  required: ['name'],
};

describe('POST /deployments', () => {
  it('creates with 201, then upserts the same (flow, name) with 200 and the same id', async () => {
    const first = await createDeployment({ description: 'first' });
    const again = await api<Deployment>('POST', '/deployments', {
      name: first.name,
      flow_id: first.flow_id,
      description: 'second',
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.id, description: 'second' });
  });

  it('creates the flow named by flow_name when it does not exist', async () => {
    const flow = unique('flow');
    const deployment = await createDeployment({ flow_name: flow });
    const { body } = await api<{ id: string }>('GET', `/flows/name/${flow}`);
    expect(body.id).toBe(deployment.flow_id);
  });

  it('answers 404 naming flow_id for an unknown flow', async () => {
    const { status, body } = await api<{ field: string }>('POST', '/deployments', {
      name: 'x',
      flow_id: crypto.randomUUID(),
    });
    expect(status).toBe(404);
    expect(body.field).toBe('flow_id');
  });

  it('refuses a bad cron with 422 naming schedules[0].schedule.cron', async () => {
    const { status, body } = await api<{ field: string }>('POST', '/deployments', {
      name: 'x',
      flow_name: unique('flow'),
      schedules: [{ schedule: { cron: '61 * * * *' } }],
    });
    expect(status).toBe(422);
    expect(body.field).toBe('schedules[0].schedule.cron');
  });

  it('refuses schedule parameters that break the enforced schema, naming the field', async () => {
    const { status, body } = await api<{ field: string }>('POST', '/deployments', {
      name: 'x',
      flow_name: unique('flow'),
      parameters: { name: 'n' },
      parameter_openapi_schema: schema,
      schedules: [{ schedule: { interval: 3600 } }, { schedule: { interval: 60 }, parameters: { count: 0 } }],
    });
    expect(status).toBe(422);
    expect(body.field).toBe('schedules[1].parameters.count');
  });
});

describe('a refused deployment writes nothing', () => {
  const badCron = { schedules: [{ schedule: { cron: '61 * * * *' } }] };
  const flowExists = async (name: string) => (await api('GET', `/flows/name/${name}`)).status === 200;

  it('a 422 from POST /deployments creates no flow', async () => {
    const flow = unique('flow');
    const { status } = await api('POST', '/deployments', { name: 'x', flow_name: flow, ...badCron });
    expect(status).toBe(422);
    expect(await flowExists(flow)).toBe(false);
  });

  it('a 422 from the batch route creates no flow and no deployment, not even the valid ones', async () => {
    const [good, bad] = [unique('flow'), unique('flow')];
    const { status, body } = await api<{ field: string }>('POST', '/deployments/bulk', {
      deployments: [
        { name: 'fine', flow_name: good },
        { name: 'refused', flow_name: bad, ...badCron },
      ],
    });
    expect(status).toBe(422);
    expect(body.field).toBe('deployments[1].schedules[0].schedule.cron');
    expect(await flowExists(good)).toBe(false);
    expect(await flowExists(bad)).toBe(false);
    expect((await api('GET', `/deployments/name/${good}/fine`)).status).toBe(404);
  });

  it('creates the flow and the deployment together when the write is accepted', async () => {
    const flow = unique('flow');
    const { status, body } = await api<{ results: { id: string; created: boolean }[] }>(
      'POST',
      '/deployments/bulk',
      {
        deployments: [
          { name: 'a', flow_name: flow },
          { name: 'b', flow_name: flow },
        ],
      },
    );
    expect(status).toBe(200);
    expect(body.results.map((r) => r.created)).toEqual([true, true]);
    const { body: deployment } = await api<Deployment>('GET', `/deployments/name/${flow}/b`);
    expect(deployment.id).toBe(body.results[1]!.id);
  });
});

describe('reading deployments', () => {
  it('reads by id and by flow and deployment name', async () => {
    const flow = unique('flow');
    const deployment = await createDeployment({ flow_name: flow });
    expect((await api<Deployment>('GET', `/deployments/${deployment.id}`)).body.id).toBe(deployment.id);
    const byName = await api<Deployment>('GET', `/deployments/name/${flow}/${deployment.name}`);
    expect(byName.body.id).toBe(deployment.id);
  });

  it('filters by tag and paused', async () => {
    const tag = unique('tag');
    const running = await createDeployment({ tags: [tag] });
    await createDeployment({ tags: [tag], paused: true });
    const { body } = await api<Deployment[]>('POST', '/deployments/filter', {
      deployments: { tags: { all_: [tag] }, paused: { eq_: false } },
    });
    expect(body.map((d) => d.id)).toEqual([running.id]);
  });
});

describe('changing deployments', () => {
  it('PATCH changes only the fields given', async () => {
    const deployment = await createDeployment({ description: 'before', version: '1' });
    expect((await api('PATCH', `/deployments/${deployment.id}`, { description: 'after' })).status).toBe(204);
    const { body } = await api<Deployment>('GET', `/deployments/${deployment.id}`);
    expect(body).toMatchObject({ description: 'after', version: '1' });
  });

  it('DELETE removes the deployment', async () => {
    const deployment = await createDeployment();
    expect((await api('DELETE', `/deployments/${deployment.id}`)).status).toBe(204);
    expect((await api('GET', `/deployments/${deployment.id}`)).status).toBe(404);
  });
});

describe('POST /deployments/{id}/create_flow_run', () => {
  it('creates a SCHEDULED run now, dispatched through the deployment’s pool', async () => {
    const pool = await createPool();
    const deployment = await createDeployment({ work_pool_name: pool, tags: ['etl'] });
    const before = Date.now();
    const { status, body: run } = await api<FlowRun>(
      'POST',
      `/deployments/${deployment.id}/create_flow_run`,
      {
        tags: ['manual'],
      },
    );
    expect(status).toBe(201);
    expect(run).toMatchObject({
      state_type: 'SCHEDULED',
      deployment_id: deployment.id,
      work_pool_name: pool,
      entrypoint: 'flows/hello.ts:hello',
      flow_id: deployment.flow_id,
    });
    expect(run.tags).toEqual(['etl', 'manual']);
    expect(Date.parse(run.next_scheduled_start_time!)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('merges the deployment’s parameters under the given ones', async () => {
    const deployment = await createDeployment({ parameters: { name: 'default', count: 1 } });
    const { body: run } = await api<FlowRun>('POST', `/deployments/${deployment.id}/create_flow_run`, {
      parameters: { count: 5 },
    });
    expect(run.parameters).toEqual({ name: 'default', count: 5 });
  });

  it('is due at scheduled_time when given', async () => {
    const deployment = await createDeployment();
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const { body: run } = await api<FlowRun>('POST', `/deployments/${deployment.id}/create_flow_run`, {
      scheduled_time: at,
    });
    expect(run.next_scheduled_start_time).toBe(at);
  });

  it('refuses parameters of the wrong type with 422 naming the field', async () => {
    const deployment = await createDeployment({
      parameters: { name: 'n' },
      parameter_openapi_schema: schema,
    });
    const { status, body } = await api<{ field: string; code: string }>(
      'POST',
      `/deployments/${deployment.id}/create_flow_run`,
      { parameters: { count: 'many' } },
    );
    expect(status).toBe(422);
    expect(body).toMatchObject({ field: 'parameters.count', code: 'flow_run.invalid_parameters' });
  });

  it('refuses a missing required parameter with 422 naming it', async () => {
    const deployment = await createDeployment({ parameter_openapi_schema: schema });
    const { status, body } = await api<{ field: string }>(
      'POST',
      `/deployments/${deployment.id}/create_flow_run`,
      {},
    );
    expect(status).toBe(422);
    expect(body.field).toBe('parameters.name');
  });

  it('does not check parameters when the schema is not enforced', async () => {
    const deployment = await createDeployment({
      parameter_openapi_schema: schema,
      enforce_parameter_schema: false,
    });
    const { status } = await api('POST', `/deployments/${deployment.id}/create_flow_run`, {
      parameters: { count: 'x' },
    });
    expect(status).toBe(201);
  });
});
