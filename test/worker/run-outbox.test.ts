// A flow run object's outbox: a delivery costs no commit of its own (its rows go with the object's next
// write); an object that lost its memory before that write (evicted, restarted) delivers again on its
// next write, changing nothing in D1, and on a read only when D1 is behind; and a change committed but
// never delivered reaches D1 at the object's next call (run-outbox-rows.ts, docs/orchestration.md).
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Event, EventPage, FlowRun, OrchestrationResult, StateCreate } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { writeRunIndex } from '../../src/db/run-index';
import { defaultPolicy } from '../../src/domain/orchestration';
import { FlowRunObject } from '../../src/durable/flow-run-object';
import { transitionFlowRun } from '../../src/durable/flow-transitions';
import { systemClock } from '../../src/durable/run-proposals';
import { RunStorage } from '../../src/durable/run-storage';
import { api, createFlow } from './api';

async function createRun(body: Record<string, unknown> = {}): Promise<FlowRun> {
  const { status, body: run } = await api<FlowRun>('POST', '/flow_runs', {
    flow_id: await createFlow(),
    ...body,
  });
  expect(status).toBe(201);
  return run;
}

const setState = (id: string, type: string) =>
  api<OrchestrationResult>('POST', `/flow_runs/${id}/set_state`, { state: { type } });

const objectOf = (id: string) => env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(id));

/** The object's outbox rows and undeleted events, as SQLite holds them. */
function rowsOf(id: string) {
  return runInDurableObject(objectOf(id), (_, state) => ({
    outbox: state.storage.sql
      .exec<{ kind: string }>('SELECT kind FROM outbox ORDER BY kind')
      .toArray()
      .map((row) => row.kind),
    eventSeqs: state.storage.sql
      .exec<{ seq: number }>('SELECT seq FROM events ORDER BY seq')
      .toArray()
      .map((row) => row.seq),
  }));
}

async function indexed(id: string): Promise<FlowRun | undefined> {
  const { body } = await api<FlowRun[]>('POST', '/flow_runs/filter', { flow_runs: { id: { any_: [id] } } });
  return body[0];
}

async function eventsOf(id: string): Promise<Event[]> {
  const { body } = await api<EventPage>('POST', '/events/filter', {
    filter: { resource: { id: [`prefect.flow-run.${id}`] }, order: 'ASC' },
    limit: 200,
  });
  return body.events;
}

async function indexedTags(id: string): Promise<string[]> {
  const { results } = await env.DB.prepare('SELECT tag FROM flow_run_tags WHERE flow_run_id = ? ORDER BY tag')
    .bind(id)
    .all<{ tag: string }>();
  return results.map((row) => row.tag);
}

describe('a delivered outbox entry', () => {
  it('counts as clean at once, and its rows (and delivered events) go with the next write', async () => {
    const run = await createRun({ work_pool_name: `outbox-${crypto.randomUUID().slice(0, 6)}` });
    await setState(run.id, 'CANCELLING');
    // Delivered: the object has nothing left to send, though the rows wait for a write to ride on
    // (an instance that has not seen the delivery, as after eviction, would send them again).
    const dirty = await runInDurableObject(objectOf(run.id), (instance: FlowRunObject, state) => ({
      live: (instance as unknown as { storage: RunStorage }).storage.isDirty('flow_run'),
      fresh: new RunStorage(state.storage).isDirty('flow_run'),
    }));
    expect(dirty).toEqual({ live: false, fresh: true });
    const before = await rowsOf(run.id);
    expect(before.outbox).toEqual(['flow_run', 'pool_sync']);
    expect(before.eventSeqs.length).toBeGreaterThan(0);
    // The next write deletes them in its own commit; its own rows and events wait in turn.
    await setState(run.id, 'CANCELLED');
    expect((await indexed(run.id))?.state_type).toBe('CANCELLED');
    const after = await rowsOf(run.id);
    expect(after.outbox).toEqual(['flow_run', 'pool_sync']);
    expect(Math.min(...after.eventSeqs)).toBeGreaterThan(Math.max(...before.eventSeqs));
  });
});

describe('an object that lost its memory before its next write', () => {
  it('answers its next read with the index unchanged: the run, its tags and its events once', async () => {
    const run = await createRun({ tags: ['a', 'b'] });
    await setState(run.id, 'RUNNING');
    const eventsBefore = (await eventsOf(run.id)).map((event) => event.id);
    expect(eventsBefore.length).toBeGreaterThan(0);
    // A new instance over the same storage is the object as eviction or a restart leaves it.
    const read = await runInDurableObject(objectOf(run.id), (_, state) =>
      new FlowRunObject(state, env).read(),
    );
    expect(read?.state_type).toBe('RUNNING');
    expect((await indexed(run.id))?.state_type).toBe('RUNNING');
    expect(await indexedTags(run.id)).toEqual(['a', 'b']);
    expect((await eventsOf(run.id)).map((event) => event.id)).toEqual(eventsBefore);
  });

  it('asks D1 on a read rather than deliver again when the index already holds its version', async () => {
    const run = await createRun({ tags: ['a', 'b'] });
    await setState(run.id, 'RUNNING');
    // Gone from D1 since, so a second delivery (which writes the tags of the version it carries) shows.
    await env.DB.prepare('DELETE FROM flow_run_tags WHERE flow_run_id = ?').bind(run.id).run();
    await runInDurableObject(objectOf(run.id), (_, state) => new FlowRunObject(state, env).read());
    expect(await indexedTags(run.id)).toEqual([]);
    expect((await indexed(run.id))?.state_type).toBe('RUNNING');
  });

  it('delivers on a read when D1 holds its version but not its newest event (a crash in between)', async () => {
    const run = await createRun();
    await setState(run.id, 'RUNNING');
    const event = {
      id: crypto.randomUUID(),
      occurred: new Date().toISOString(),
      event: 'outbox.custom',
      resource: { 'prefect.resource.id': `outbox.${run.id}` },
      related: [],
      payload: {},
    };
    await runInDurableObject(objectOf(run.id), (_, state) => {
      // Committed in the object, as if the process died before the D1 write.
      const storage = new RunStorage(state.storage);
      storage.atomically(() => storage.events.append([event]));
    });
    await runInDurableObject(objectOf(run.id), (_, state) => new FlowRunObject(state, env).read());
    const stored = await env.DB.prepare('SELECT id FROM events WHERE id = ?').bind(event.id).all();
    expect(stored.results).toHaveLength(1);
  });

  it('still brings the index up to a change it committed but never delivered (a crash in between)', async () => {
    const run = await createRun();
    await runInDurableObject(objectOf(run.id), (_, state) => {
      // Committed in the object, as if the process died before the D1 write.
      const storage = new RunStorage(state.storage);
      const stored = storage.readRun()!;
      storage.atomically(() =>
        storage.writeRun({ ...stored.doc, name: 'renamed-before-crash' }, stored.version),
      );
    });
    expect((await indexed(run.id))?.name).toBe(run.name);
    await runInDurableObject(objectOf(run.id), (_, state) => new FlowRunObject(state, env).read());
    expect((await indexed(run.id))?.name).toBe('renamed-before-crash');
  });
});

/** Commits `proposed` in the run's object and delivers nothing: the server died in between. */
function commitUndelivered(id: string, proposed: StateCreate, force = false) {
  return runInDurableObject(objectOf(id), (_, state) => {
    const storage = new RunStorage(state.storage);
    storage.atomically(() =>
      transitionFlowRun(storage, { proposed, force, policy: defaultPolicy(force), clock: systemClock() }),
    );
  });
}

describe('a change committed but never delivered (the server died in between)', () => {
  it('reaches the index when its request is retried, though the retry writes nothing', async () => {
    const run = await createRun();
    await setState(run.id, 'RUNNING');
    const completed = { type: 'COMPLETED' as const, state_details: { transition_id: crypto.randomUUID() } };
    await commitUndelivered(run.id, completed);
    expect((await indexed(run.id))?.state_type).toBe('RUNNING');
    // The retried request reaches the object as the restart left it.
    const reply = await runInDurableObject(objectOf(run.id), (_, state) =>
      new FlowRunObject(state, env).setState({ state: completed, force: false }),
    );
    expect(reply).toMatchObject({ kind: 'ok', written: false });
    expect((await indexed(run.id))?.state_type).toBe('COMPLETED');
  });

  it("reaches the index and the pool when the run's lapsed lease is crashed after it ended", async () => {
    const pool = `outbox-${crypto.randomUUID().slice(0, 6)}`;
    const run = await createRun({ work_pool_name: pool });
    const leaseId = crypto.randomUUID();
    const claim = await runInDurableObject(objectOf(run.id), (_, state) =>
      new FlowRunObject(state, env).claim(leaseId, 'agent-a'),
    );
    expect(claim.kind).toBe('claimed');
    await commitUndelivered(run.id, { type: 'COMPLETED' }, true);
    expect((await indexed(run.id))?.state_type).toBe('PENDING');
    // The agent's heartbeats stopped naming the run; its pool crashes the lapsed lease.
    await runInDurableObject(objectOf(run.id), (_, state) =>
      new FlowRunObject(state, env).crash(leaseId, 'lapsed'),
    );
    expect((await indexed(run.id))?.state_type).toBe('COMPLETED');
    const poolRow = await runInDurableObject(
      env.WORK_POOLS.get(env.WORK_POOLS.idFromName(pool)),
      (_, state) =>
        state.storage.sql.exec<{ status: string }>('SELECT status FROM runs WHERE id = ?', run.id).one(),
    );
    expect(poolRow.status).toBe('gone');
  });
});

describe('a run deleted before its last change was delivered', () => {
  it("keeps that change's events, and leaves no index row behind", async () => {
    const run = await createRun();
    await setState(run.id, 'RUNNING');
    await commitUndelivered(run.id, { type: 'COMPLETED' });
    const removed = await runInDurableObject(objectOf(run.id), (_, state) =>
      new FlowRunObject(state, env).remove(),
    );
    expect(removed).toBe(true);
    expect((await eventsOf(run.id)).map((event) => event.event)).toContain('prefect.flow-run.Completed');
    expect(await indexed(run.id)).toBeUndefined();
  });
});

describe('the index write', () => {
  it('changes no D1 row when a delivery is made again', async () => {
    const run = await createRun({ tags: ['x', 'y'] });
    const stored = await runInDurableObject(objectOf(run.id), (_, state) => {
      const current = new RunStorage(state.storage).readRun()!;
      return { doc: current.doc, version: current.version };
    });
    const again = await writeRunIndex(env.DB, stored, [], [], new Date());
    expect(again).toBe(0);
    expect(await indexedTags(run.id)).toEqual(['x', 'y']);
    // A tag dropped at a newer version goes; the others stay.
    const newer = { doc: { ...stored.doc, tags: ['y'] }, version: stored.version + 1 };
    expect(await writeRunIndex(env.DB, newer, [], [], new Date())).toBeGreaterThan(0);
    expect(await indexedTags(run.id)).toEqual(['y']);
  });
});
