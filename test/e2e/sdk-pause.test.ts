// Pause, suspend and run input through a real agent: a paused run resumed with typed input (and input
// refused, naming its field), a suspended run resumed on another agent without re-running completed
// tasks, a run paused from outside that stops at its next task boundary, and inputs between runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../worker-agent/src/client/index.ts';
import type { FlowRun, StateCreate } from '../../worker-agent/src/protocol/index.ts';
import { cli } from './cli-harness.ts';
import { ROOT, SDK_URL, startAgent, waitUntil } from './harness.ts';
import { finished, lines, runFlow, type SdkWorld, startWorld, stopWorld, taskRuns } from './sdk-helpers.ts';

const ZOD_URL = pathToFileURL(join(ROOT, 'node_modules/zod/index.js')).href;

const FLOWS = {
  'flows/pauses.ts': `
import { appendFileSync, existsSync } from 'node:fs';
import { z } from '${ZOD_URL}';
import { flow, pauseFlowRun, receiveInput, sendInput, suspendFlowRun, task } from '${SDK_URL}';

const step = task((name: string, file: string) => {
  appendFileSync(file, name + '\\n');
  return name.toUpperCase();
}, { name: 'step' });

export const approval = flow(async ({ file }: { file: string }) => {
  const before = await step('before', file);
  const answer = await pauseFlowRun({
    timeoutSeconds: 120,
    waitForInput: z.object({ approver: z.string(), amount: z.number().int().min(1) }),
  });
  const after = await step('after', file);
  return { before, answer, after };
}, { name: 'approval' });

export const suspending = flow(async ({ file }: { file: string }) => {
  const first = await step('first', file);
  const second = await step('second', file);
  const { note } = await suspendFlowRun({ timeoutSeconds: 300, waitForInput: z.object({ note: z.string() }) });
  const third = await step('third', file);
  return { first, second, note, third, pid: process.pid };
}, { name: 'suspending' });

/** Runs steps until a stop file appears; each step waits for its go file, so the test paces them. */
export const paced = flow(async ({ file, dir }: { file: string; dir: string }) => {
  const done: string[] = [];
  for (let i = 0; i < 3; i++) {
    while (!existsSync(dir + '/go-' + i)) await new Promise((resolve) => setTimeout(resolve, 20));
    done.push(await step('paced-' + i, file));
  }
  return done;
}, { name: 'paced' });

export const receiver = flow(async ({ expected }: { expected: number }) => {
  const got: { n: number; sender: string | null }[] = [];
  for await (const input of receiveInput(z.object({ n: z.number() }), { keyPrefix: 'numbers', timeoutSeconds: 60 })) {
    got.push({ n: input.value.n, sender: input.sender });
    if (got.length === expected) break;
  }
  return got;
}, { name: 'receiver' });

export const sender = flow(async ({ to }: { to: string }) => {
  await sendInput({ n: 1 }, { flowRunId: to, keyPrefix: 'numbers' });
  await sendInput({ n: 2 }, { flowRunId: to, keyPrefix: 'numbers' });
  return 'sent';
}, { name: 'sender' });
`,
};

let world: SdkWorld;
const file = (name: string) => join(world.project.dir, name);

beforeAll(async () => {
  world = await startWorld('e2e-sdk-pause', FLOWS, ['--heartbeat-seconds', '1']);
});

afterAll(async () => {
  await stopWorld(world);
});

function inState(run: FlowRun, type: string, name?: string): Promise<FlowRun> {
  return waitUntil(
    () => world.server.client.readFlowRun(run.id),
    (current) => current.state_type === type && (name === undefined || current.state_name === name),
    60_000,
    `flow run ${run.id} to be ${name ?? type}`,
  );
}

describe('pauseFlowRun', () => {
  it('waits in its process until resumed, and returns the typed input; input that does not fit is refused naming its field', async () => {
    const log = file('approval.log');
    const created = await runFlow(world, 'flows/pauses.ts:approval', { file: log });
    const paused = await inState(created, 'PAUSED', 'Paused');
    expect(paused.state?.state_details).toMatchObject({ pause_reschedule: false, pause_key: '1' });
    expect(paused.state?.state_details.pause_timeout).toBeTruthy();
    expect(lines(log)).toEqual(['before']);

    const refused = await world.server.client
      .resumeFlowRun(created.id, { approver: 'ada', amount: 0 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(422);
    expect((refused as ApiError).field).toBe('run_input.amount');
    // The same through `edgeflow resume`: refused, naming the field, then accepted.
    const dir = world.project.dir;
    const cliRefused = await cli(world.server, dir, ['resume', created.id, '--input', '{"approver":"ada"}']);
    expect(cliRefused.code).not.toBe(0);
    expect(cliRefused.stderr).toContain('run_input.amount');
    expect((await world.server.client.readFlowRun(created.id)).state_type).toBe('PAUSED');

    const input = '{"approver":"ada","amount":5}';
    const resumed = await cli(world.server, dir, ['resume', created.id, '--input', input]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('ACCEPT');
    const run = await finished(world, created);
    expect(run.state_type).toBe('COMPLETED');
    expect(run.state?.data).toEqual({
      before: 'BEFORE',
      answer: { approver: 'ada', amount: 5 },
      after: 'AFTER',
    });
    expect(lines(log)).toEqual(['before', 'after']);
  });
});

describe('suspendFlowRun', () => {
  it('ends the process; resumed on another agent, it reuses the completed tasks and returns the input', async () => {
    const log = file('suspend.log');
    const created = await runFlow(world, 'flows/pauses.ts:suspending', { file: log });
    const suspended = await inState(created, 'PAUSED', 'Suspended');
    expect(suspended.state?.state_details.pause_reschedule).toBe(true);
    // The process ended and the agent reported nothing: the run stays Suspended.
    await waitUntil(
      async () => world.agent.output,
      (output) => output.includes(`flow run ${created.id}: suspended, its process ended`),
      30_000,
      'the suspended run to end its process',
    );
    await world.agent.stop('SIGTERM', 10_000);
    expect(world.agent.output).not.toMatch(/CRASHED/);
    expect((await world.server.client.readFlowRun(created.id)).state_name).toBe('Suspended');
    expect(lines(log)).toEqual(['first', 'second']);

    world.agent = await startAgent({
      server: world.server,
      pool: world.pool,
      cwd: world.project.dir,
      args: ['--heartbeat-seconds', '1', '--name', 'second-agent'],
    });
    await world.server.client.resumeFlowRun(created.id, { note: 'carry on' });
    const run = await finished(world, created);
    expect(run.state_type).toBe('COMPLETED');
    expect(run.state?.data).toMatchObject({
      first: 'FIRST',
      second: 'SECOND',
      note: 'carry on',
      third: 'THIRD',
    });
    // Each task body ran once: the resumed run read the first two results back.
    expect(lines(log)).toEqual(['first', 'second', 'third']);
    const states = (await world.server.client.readFlowRunStates(created.id)).map((state) => state.name);
    expect(states).toEqual(expect.arrayContaining(['Suspended', 'Resuming']));
    expect(states).not.toContain('Crashed');
    expect([...(await taskRuns(world, created.id)).keys()].sort()).toEqual(['step-0', 'step-1', 'step-2']);
  });
});

/**
 * Starts the paced flow in `name`, lets its first step run, then sets `state` on it from outside. Once
 * the flow's logs say it has seen that state (`seen`), the other steps are let go; returns when the second
 * step is submitted, having checked that it was held (only the first step ran).
 */
async function heldAfterFirstStep(name: string, state: StateCreate, seen: string) {
  const log = file(`${name}.log`);
  const dir = file(name);
  mkdirSync(dir);
  const created = await runFlow(world, 'flows/pauses.ts:paced', { file: log, dir });
  writeFileSync(join(dir, 'go-0'), '');
  await waitUntil(
    async () => lines(log),
    (found) => found.length === 1,
    30_000,
    'the first step',
  );
  const set = await world.server.client.setFlowRunState(created.id, { state });
  expect(set.status).toBe('ACCEPT');
  // The flow's process says when it has seen the state (its logs): only then are the next steps let go.
  await waitUntil(
    () => world.server.client.filterLogs({ logs: { flow_run_id: { any_: [created.id] } } }),
    (logs) => logs.some((entry) => entry.message.includes(seen)),
    30_000,
    `the flow to see the ${state.name ?? state.type}`,
  );
  writeFileSync(join(dir, 'go-1'), '');
  writeFileSync(join(dir, 'go-2'), '');
  await waitUntil(
    () => taskRuns(world, created.id),
    (runs) => runs.has('step-1'),
    30_000,
    'the second step to be submitted',
  );
  expect(lines(log)).toEqual(['paced-0']);
  return { created, log };
}

describe('a pause from outside', () => {
  it('stops the run at its next task boundary and goes on from there once resumed', async () => {
    const { created, log } = await heldAfterFirstStep(
      'paced-pause',
      { type: 'PAUSED' },
      'new tasks wait until it is resumed',
    );
    // The next steps are held: the second is submitted but waits while the run is paused.
    expect((await taskRuns(world, created.id)).get('step-1')?.state_type).toBe('PENDING');
    await world.server.client.resumeFlowRun(created.id);
    const run = await finished(world, created);
    expect(run.state_type).toBe('COMPLETED');
    expect(lines(log)).toEqual(['paced-0', 'paced-1', 'paced-2']);
  });
});

describe('a suspension from outside', () => {
  it('stops the run at its next task boundary, ends its process, and resumes with its completed tasks reused', async () => {
    const { created, log } = await heldAfterFirstStep(
      'paced-suspend',
      { type: 'PAUSED', name: 'Suspended', state_details: { pause_reschedule: true } },
      'was suspended: no new task starts',
    );
    // Its process ended at the next task, and nothing was reported for it: it stays Suspended. (Had the
    // step run anyway, the run would have ended before the resume below, and no Resuming would follow.)
    expect((await world.server.client.readFlowRun(created.id)).state_name).toBe('Suspended');

    await world.server.client.resumeFlowRun(created.id);
    const run = await finished(world, created);
    expect(run.state_type).toBe('COMPLETED');
    expect(run.state?.data).toEqual(['PACED-0', 'PACED-1', 'PACED-2']);
    // The first step ran once: the resumed run read its result back.
    expect(lines(log)).toEqual(['paced-0', 'paced-1', 'paced-2']);
    const states = (await world.server.client.readFlowRunStates(created.id)).map((state) => state.name);
    expect(states).toEqual(expect.arrayContaining(['Suspended', 'Resuming']));
    expect(states).not.toContain('Crashed');
  });
});

describe('sendInput and receiveInput', () => {
  it('passes typed inputs from one run to another, with their sender', async () => {
    const receiving = await runFlow(world, 'flows/pauses.ts:receiver', { expected: 2 });
    await inState(receiving, 'RUNNING');
    const sending = await finished(
      world,
      await runFlow(world, 'flows/pauses.ts:sender', { to: receiving.id }),
    );
    expect(sending.state_type).toBe('COMPLETED');
    const run = await finished(world, receiving);
    expect(run.state?.data).toEqual([
      { n: 1, sender: `prefect.flow-run.${sending.id}` },
      { n: 2, sender: `prefect.flow-run.${sending.id}` },
    ]);
  });
});
