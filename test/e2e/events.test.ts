// Events end to end: a real agent runs a flow; its flow-run and task-run state events (with their
// related resources) and the custom event it emits are readable through /api/events/filter, through
// `edgeflow events`, and live through `edgeflow events --follow` (docs/events.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, FlowRun } from '../../worker-agent/src/protocol/index.ts';
import { startCli } from './cli-harness.ts';
import { type ProcessGroup, SDK_URL, waitUntil } from './harness.ts';
import { finished, runFlow, type SdkWorld, startWorld, stopWorld } from './sdk-helpers.ts';

const FLOWS = {
  'flows/shop.ts': `
import { emitEvent, flow, task } from '${SDK_URL}';

const ship = task((order: string) => {
  emitEvent({ event: 'shop.order.shipped', resource: { 'prefect.resource.id': \`shop.order.\${order}\` }, payload: { order } });
  return order;
}, { name: 'ship' });

export const shop = flow(async () => ship('A-1'), { name: 'shop' });
`,
};

let world: SdkWorld;
let follower: ProcessGroup;
let followed = '';
let run: FlowRun;

beforeAll(async () => {
  world = await startWorld('e2e-events', FLOWS);
  // Following before the run starts: what it prints comes from the live stream.
  follower = startCli(world.server, world.project.dir, [
    'events',
    '--follow',
    '--json',
    '--event',
    'prefect.flow-run.',
  ]);
  follower.process.stdout!.on('data', (chunk: Buffer) => {
    followed += chunk.toString();
  });
  let notes = '';
  follower.process.stderr!.on('data', (chunk: Buffer) => {
    notes += chunk.toString();
  });
  await waitUntil(
    async () => notes,
    (text) => text.includes('Following'),
    20_000,
    'the follower to be live',
  );
  run = await finished(world, await runFlow(world, 'flows/shop.ts:shop'));
});

afterAll(async () => {
  await follower?.stop('SIGKILL', 1_000);
  await stopWorld(world);
});

const eventsAbout = async (resourceId: string): Promise<Event[]> =>
  (
    await world.server.client.filterEvents({
      filter: { resource: { id: [resourceId] }, order: 'ASC' },
      limit: 50,
    })
  ).events;

describe('events of a flow run an agent ran', () => {
  it("has the flow run's Running and Completed events, related to its flow and work pool", async () => {
    expect(run.state_type).toBe('COMPLETED');
    const events = await eventsAbout(`prefect.flow-run.${run.id}`);
    const names = events.map((event) => event.event);
    expect(names).toEqual(expect.arrayContaining(['prefect.flow-run.Running', 'prefect.flow-run.Completed']));
    expect(names.indexOf('prefect.flow-run.Running')).toBeLessThan(
      names.indexOf('prefect.flow-run.Completed'),
    );
    const completed = events.find((event) => event.event === 'prefect.flow-run.Completed')!;
    const related = completed.related.map((r) => [r['prefect.resource.role'], r['prefect.resource.id']]);
    expect(related).toEqual(
      expect.arrayContaining([
        ['flow', `prefect.flow.${run.flow_id}`],
        ['work-pool', 'prefect.work-pool.e2e-events'],
      ]),
    );
  });

  it("has its task run's Running and Completed events, related to the flow run", async () => {
    const page = await world.server.client.filterEvents({
      filter: {
        event: { prefix: ['prefect.task-run.'] },
        related: { id: [`prefect.flow-run.${run.id}`], role: ['flow-run'] },
        order: 'ASC',
      },
      limit: 50,
    });
    const names = page.events.map((event) => event.event);
    expect(names).toEqual(expect.arrayContaining(['prefect.task-run.Running', 'prefect.task-run.Completed']));
  });

  it('has the custom event the task emitted, sent with its reports and related to the run and task', async () => {
    const [shipped] = await eventsAbout('shop.order.A-1');
    expect(shipped).toMatchObject({ event: 'shop.order.shipped', payload: { order: 'A-1' } });
    const roles = shipped!.related.map((r) => r['prefect.resource.role']);
    expect(roles).toEqual(['flow-run', 'task-run']);
  });

  it('`edgeflow events` prints them, and `edgeflow events --follow` printed them as they happened', async () => {
    const { cli } = await import('./cli-harness.ts');
    const printed = await cli(world.server, world.project.dir, [
      'events',
      '--resource',
      `prefect.flow-run.${run.id}`,
    ]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('prefect.flow-run.Running');
    expect(printed.stdout).toContain('prefect.flow-run.Completed');
    await waitUntil(
      async () => followed,
      (text) => text.includes(`"prefect.flow-run.Completed"`) && text.includes(run.id),
      15_000,
      'the follower to print the Completed event',
    );
    const streamed = followed
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Event)
      .filter((event) => event.resource['prefect.resource.id'] === `prefect.flow-run.${run.id}`)
      .map((event) => event.event);
    expect(streamed).toEqual(
      expect.arrayContaining(['prefect.flow-run.Running', 'prefect.flow-run.Completed']),
    );
    expect(new Set(streamed).size).toBe(streamed.length);
  });
});
