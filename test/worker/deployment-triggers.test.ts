// Deployment triggers (docs/deployments.md, "Triggers"): each trigger a deployment declares becomes an
// automation it owns that runs it; a redeploy updates them in place (no duplicates), PATCH replaces
// them when given, deleting the deployment deletes them, and bad trigger input is a 422 naming its field.
import type { Deployment, FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import type { Automation } from '../../src/domain/automations';
import { api } from './api';
import { emit, event, eventsNamed, nudge, outcomes, setClock, T0 } from './automations';
import { unique } from './deployments-api';
import { createPool } from './pools';

async function deploymentBody(triggers: unknown[], body: Record<string, unknown> = {}) {
  return {
    name: unique('deployment'),
    flow_name: unique('flow'),
    entrypoint: 'flows/hello.ts:hello',
    work_pool_name: await createPool(),
    triggers,
    ...body,
  };
}

async function deploy(body: Record<string, unknown>, status = 201): Promise<Deployment> {
  const answer = await api<Deployment>('POST', '/deployments', body);
  expect(answer.status).toBe(status);
  return answer.body;
}

/** The automations the deployment owns, by trigger position (their names say it here). */
async function ownedBy(deploymentId: string): Promise<Automation[]> {
  const { body } = await api<Automation[]>('POST', '/automations/filter', { sort: 'NAME_ASC' });
  return body.filter((a) => a.owner_resource === `prefect.deployment.${deploymentId}`);
}

/** The event names a deployment trigger's automation expects (its trigger is always an event trigger). */
const expected = (automation: Automation) =>
  automation.trigger.type === 'event' ? automation.trigger.expect : undefined;

const onSignal = (name: string, extra: Record<string, unknown> = {}) => ({
  expect: [name],
  match: { 'prefect.resource.id': 'signal.*' },
  ...extra,
});

describe('deployment triggers', () => {
  it('become automations that run the deployment, named as Prefect names them, shown on the deployment', async () => {
    const body = await deploymentBody([
      onSignal('go', { parameters: { who: '{{ event.resource.id }}' } }),
      { name: 'nightly check', posture: 'Proactive', expect: ['ping'], within: 60, enabled: false },
    ]);
    const deployment = await deploy(body);
    expect(deployment.triggers).toEqual(body.triggers);
    const owned = await ownedBy(deployment.id);
    expect(owned.map((a) => [a.name, a.enabled])).toEqual([
      [`${body.name}__automation_1`, true],
      ['nightly check', false],
    ]);
    const first = owned[0]!;
    expect(first.trigger).toMatchObject({ type: 'event', posture: 'Reactive', expect: ['go'] });
    expect(first.actions).toEqual([
      {
        type: 'run-deployment',
        source: 'selected',
        deployment_id: deployment.id,
        parameters: { who: '{{ event.resource.id }}' },
        job_variables: null,
      },
    ]);
    const created = await eventsNamed('prefect.automation.created', `prefect.automation.${first.id}`);
    expect(created).toHaveLength(1);
  });

  it('runs the deployment when its event comes, with parameters templated from the event', async () => {
    await setClock(T0);
    const deployment = await deploy(
      await deploymentBody([onSignal('fire', { parameters: { who: '{{ event.resource.id }}' } })]),
    );
    const [automation] = await ownedBy(deployment.id);
    await nudge();
    await emit(event('fire', 'signal.one', 1));
    await nudge();
    const [executed] = await outcomes(automation!.id);
    expect(executed?.event).toBe('prefect.automation.action.executed');
    const run = await api<FlowRun>('GET', `/flow_runs/${executed?.payload.flow_run_id}`);
    expect(run.body.deployment_id).toBe(deployment.id);
    expect(run.body.parameters).toMatchObject({ who: 'signal.one' });
  });

  it('a redeploy updates them in place: same ids, no duplicates, no event when unchanged; extra ones go', async () => {
    const body = await deploymentBody([onSignal('a'), onSignal('b')]);
    const deployment = await deploy(body);
    const before = await ownedBy(deployment.id);
    await deploy(body, 200);
    const same = await ownedBy(deployment.id);
    expect(same.map((a) => a.id)).toEqual(before.map((a) => a.id));
    expect(same.map((a) => a.updated)).toEqual(before.map((a) => a.updated));

    await deploy({ ...body, triggers: [onSignal('a2')] }, 200);
    const after = await ownedBy(deployment.id);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(before[0]?.id);
    expect(after[0] && expected(after[0])).toEqual(['a2']);
    const [, second] = before;
    expect(await eventsNamed('prefect.automation.deleted', `prefect.automation.${second!.id}`)).toHaveLength(
      1,
    );
    expect(
      await eventsNamed('prefect.automation.updated', `prefect.automation.${before[0]!.id}`),
    ).toHaveLength(1);
    expect((await api('GET', `/automations/${second!.id}`)).status).toBe(404);
  });

  it('through the bulk route as through POST: a second registration adds none', async () => {
    const body = await deploymentBody([onSignal('bulk')]);
    for (let i = 0; i < 2; i++)
      expect((await api('POST', '/deployments/bulk', { deployments: [body] })).status).toBe(200);
    const { body: found } = await api<Deployment>('GET', `/deployments/name/${body.flow_name}/${body.name}`);
    expect(await ownedBy(found.id)).toHaveLength(1);
  });

  it('PATCH with triggers replaces them; PATCH without leaves them; DELETE of the deployment deletes them', async () => {
    const deployment = await deploy(await deploymentBody([onSignal('p1')]));
    const [original] = await ownedBy(deployment.id);
    expect((await api('PATCH', `/deployments/${deployment.id}`, { description: 'x' })).status).toBe(204);
    expect((await ownedBy(deployment.id)).map((a) => a.id)).toEqual([original!.id]);

    const triggers = [onSignal('p2'), onSignal('p3')];
    expect((await api('PATCH', `/deployments/${deployment.id}`, { triggers })).status).toBe(204);
    const patched = await ownedBy(deployment.id);
    expect(patched.map(expected)).toEqual([['p2'], ['p3']]);
    expect((await api<Deployment>('GET', `/deployments/${deployment.id}`)).body.triggers).toEqual(triggers);

    expect((await api('DELETE', `/deployments/${deployment.id}`)).status).toBe(204);
    expect(await ownedBy(deployment.id)).toEqual([]);
    for (const automation of patched)
      expect(
        await eventsNamed('prefect.automation.deleted', `prefect.automation.${automation.id}`),
      ).toHaveLength(1);
  });

  it("DELETE /automations/owned-by/{resource} deletes a deployment's trigger automations and no others", async () => {
    const deployment = await deploy(await deploymentBody([onSignal('o1'), onSignal('o2')]));
    const other = await deploy(await deploymentBody([onSignal('o3')]));
    const owned = await ownedBy(deployment.id);
    const owner = `prefect.deployment.${deployment.id}`;
    expect((await api('DELETE', `/automations/owned-by/${owner}`)).status).toBe(202);
    expect(await ownedBy(deployment.id)).toEqual([]);
    expect(await ownedBy(other.id)).toHaveLength(1);
    for (const automation of owned)
      expect(
        await eventsNamed('prefect.automation.deleted', `prefect.automation.${automation.id}`),
      ).toHaveLength(1);
    expect((await api('DELETE', `/automations/owned-by/${owner}`)).status).toBe(202);
  });

  it.each([
    [{ posture: 'Proactive', expect: ['x'], within: 5 }, 'triggers[0].within'],
    [{ posture: 'Sideways' }, 'triggers[0].posture'],
    [{ type: 'metric' }, 'triggers[0].type'],
    [{ threshold: 0 }, 'triggers[0].threshold'],
    [{ expect: 'not-a-list' }, 'triggers[0].expect'],
    [{ parameters: { who: '{% raw %}' } }, 'triggers[0].parameters.who'],
    [{ name: '' }, 'triggers[0].name'],
  ])('refuses bad trigger input %j with a 422 naming %s, and writes nothing', async (trigger, field) => {
    const body = await deploymentBody([onSignal('ok'), trigger].reverse());
    const answer = await api<{ field: string }>('POST', '/deployments', body);
    expect(answer.status).toBe(422);
    expect(answer.body.field).toBe(field);
    expect((await api('GET', `/deployments/name/${body.flow_name}/${body.name}`)).status).toBe(404);
  });

  it('names the deployment too when the bulk route refuses a trigger', async () => {
    const good = await deploymentBody([]);
    const bad = await deploymentBody([{ posture: 'Proactive', within: 1 }]);
    const answer = await api<{ field: string }>('POST', '/deployments/bulk', { deployments: [good, bad] });
    expect(answer.status).toBe(422);
    expect(answer.body.field).toBe('deployments[1].triggers[0].within');
  });

  it('refuses a bad trigger in a PATCH with a 422 naming it, and keeps the automations it had', async () => {
    const deployment = await deploy(await deploymentBody([onSignal('keep')]));
    const before = await ownedBy(deployment.id);
    const answer = await api<{ field: string }>('PATCH', `/deployments/${deployment.id}`, {
      triggers: [onSignal('fine'), { within: -1 }],
    });
    expect(answer.status).toBe(422);
    expect(answer.body.field).toBe('triggers[1].within');
    expect(await ownedBy(deployment.id)).toEqual(before);
  });
});
