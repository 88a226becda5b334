// Result serializers and storages end to end, through a real agent: json, structured and a custom
// binary serializer, each in the server's R2 and in a local folder; the values come back with their
// exact types to a downstream task after a flow retry (read from storage) and on a cache hit.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadResult } from '../../worker-agent/src/sdk/results.ts';
import { SDK_URL } from './harness.ts';
import { finished, lines, runFlow, type SdkWorld, startWorld, stopWorld, taskRuns } from './sdk-helpers.ts';

const FLOWS = {
  'flows/serializers.ts': `
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { flow, INPUTS, localFolderStorage, task } from '${SDK_URL}';

const rawBytes = {
  name: 'raw-bytes',
  contentType: 'application/octet-stream',
  dumps: (value) => value,
  loads: (bytes) => new Uint8Array(bytes),
};

/** The value each serializer is trusted with, built afresh for every comparison. */
function expected(serializer) {
  if (serializer === 'json') return { list: [1, 'two', null, { nested: true }], padding: 'x'.repeat(5_000) };
  if (serializer === 'structured') {
    return {
      when: new Date('2026-12-07T08:00:00.123Z'),
      lookup: new Map([['a', 1], [2, new Set(['x'])]]),
      tags: new Set([1, 'two', 3n]),
      big: 12345678901234567890n,
      buffer: Buffer.from('héllo'),
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float32Array([1.5, -2.25]),
      nothing: undefined,
    };
  }
  // Every byte value, twice: not valid UTF-8, so any text step on the way would change it.
  return new Uint8Array(512).map((_, index) => index % 256);
}

const SERIALIZERS = { json: 'json', structured: 'structured', custom: rawBytes };

function producer(serializer, storage, folder) {
  const local = storage === 'local';
  return task((label, file) => {
    appendFileSync(file, label + '\\n');
    return expected(serializer);
  }, {
    name: 'produce-' + serializer + '-' + storage,
    cachePolicy: INPUTS.minus('file'),
    resultSerializer: SERIALIZERS[serializer],
    ...(local
      ? { resultStorage: localFolderStorage(folder), resultStorageKey: 'round-trip/{parameters.label}.dat' }
      : {}),
  });
}

/** What a downstream task received: equal to the original, with the same classes inside. */
const check = task((label, serializer, value) => {
  const want = expected(serializer);
  const classes = (item) =>
    item && typeof item === 'object'
      ? [item.constructor?.name, ...Object.values(item).map((inner) => inner?.constructor?.name)]
      : [typeof item];
  return {
    label,
    equal: isDeepStrictEqual(value, want),
    sameClasses: isDeepStrictEqual(classes(value), classes(want)),
    classes: classes(value),
  };
}, { name: 'check' });

/** Every serializer in every storage; the first attempt fails after producing, when given a marker. */
export const roundTrip = flow(async ({ file, marker, folder, run }) => {
  const produced = [];
  for (const serializer of Object.keys(SERIALIZERS)) {
    for (const storage of ['server', 'local']) {
      const label = serializer + '-' + storage + '-' + run;
      produced.push([label, serializer, await producer(serializer, storage, folder)(label, file)]);
    }
  }
  if (marker && !existsSync(marker)) {
    writeFileSync(marker, 'failed once');
    throw new Error('the first attempt fails after its producers');
  }
  const checks = [];
  for (const [label, serializer, value] of produced) checks.push(await check(label, serializer, value));
  return checks;
}, { name: 'round-trip' });

/** A flow result kept with the structured serializer in a local folder. */
export const structuredFlow = flow(async ({ day }) => new Map([[day, new Date(day)]]), {
  name: 'structured-flow',
  resultSerializer: 'structured',
  resultStorage: 'local:results-folder',
  resultStorageKey: 'flows/{parameters.day}.json',
});

const child = flow(async ({ day }) => new Map([[day, 10n ** 20n]]), {
  name: 'structured-child',
  resultSerializer: 'structured',
});

/** A subflow's structured result, read back from R2 by the parent's retry instead of running it again. */
export const parentOfStructured = flow(async ({ marker, file }) => {
  const value = await child({ day: 'monday' });
  if (!existsSync(marker)) {
    writeFileSync(marker, 'failed once');
    throw new Error('the first attempt fails after its subflow');
  }
  appendFileSync(file, 'second attempt\\n');
  return { isMap: value instanceof Map, big: typeof value.get('monday') === 'bigint' };
}, { name: 'parent-of-structured' });

const badKey = task((path, file) => {
  appendFileSync(file, 'ran\\n');
  return path;
}, { name: 'bad-key', resultStorageKey: 'out/{parameters.path}' });

export const escaping = flow(async ({ path, file }) => badKey(path, file), { name: 'escaping' });
`,
};

let world: SdkWorld;
const file = (name: string) => join(world.project.dir, name);
const LABELS = ['json', 'structured', 'custom'].flatMap((s) => [`${s}-server`, `${s}-local`]);

beforeAll(async () => {
  world = await startWorld('e2e-result-serializers', FLOWS);
});

afterAll(async () => {
  await stopWorld(world);
});

describe('result serializers and storages', () => {
  it('hands each value back with its exact types after a retry reads it from storage, and on a cache hit', async () => {
    const folder = file('results');
    const first = await finished(
      world,
      await runFlow(
        world,
        'flows/serializers.ts:roundTrip',
        {
          file: file('produced-1'),
          marker: file('retry.marker'),
          folder,
          run: 'a',
        },
        1,
      ),
    );
    expect(first.state_type).toBe('COMPLETED');
    // The retry took every producer's value from storage: none of them ran twice.
    expect(lines(file('produced-1'))).toEqual(LABELS.map((label) => `${label}-a`));
    const checked = await loadResult(world.server.client, first.state?.data);
    expect(checked).toEqual(
      LABELS.map((label) => expect.objectContaining({ label: `${label}-a`, equal: true, sameClasses: true })),
    );

    const runs = await taskRuns(world, first.id);
    const record = (name: string) => runs.get(name)?.state?.data as Record<string, unknown>;
    expect(record('produce-structured-server-0')).toMatchObject({
      storage_key: `task-runs/${runs.get('produce-structured-server-0')!.id}`,
      serializer: { type: 'structured' },
    });
    expect(record('produce-custom-local-0')).toEqual({
      storage_key: 'round-trip/custom-local-a.dat',
      serializer: { type: 'raw-bytes' },
      storage: { type: 'local', basepath: folder },
    });
    const bytes = readFileSync(join(folder, 'round-trip/custom-local-a.dat'));
    expect([...bytes.subarray(0, 4), ...bytes.subarray(254, 258)]).toEqual([0, 1, 2, 3, 254, 255, 0, 1]);
    const structuredText = readFileSync(join(folder, 'round-trip/structured-local-a.dat'), 'utf8');
    expect(JSON.parse(structuredText).when).toEqual({ $type: 'Date', value: '2026-12-07T08:00:00.123Z' });

    // Same inputs again: every producer is a cache hit, read back through its serializer and storage.
    const second = await finished(
      world,
      await runFlow(world, 'flows/serializers.ts:roundTrip', { file: file('produced-2'), folder, run: 'a' }),
    );
    expect(second.state_type).toBe('COMPLETED');
    expect(lines(file('produced-2'))).toEqual([]);
    const hits = await taskRuns(world, second.id);
    for (const label of LABELS)
      expect(hits.get(`produce-${label}-0`)).toMatchObject({ state_name: 'Cached' });
    expect(await loadResult(world.server.client, second.state?.data)).toEqual(
      LABELS.map((label) => expect.objectContaining({ label: `${label}-a`, equal: true, sameClasses: true })),
    );
  });

  it("keeps a flow's result with its serializer under its templated key", async () => {
    const run = await finished(
      world,
      await runFlow(world, 'flows/serializers.ts:structuredFlow', { day: '2026-12-07' }),
    );
    expect(run.state?.message ?? '').toBe('');
    expect(run.state_type).toBe('COMPLETED');
    expect(run.state?.data).toMatchObject({
      storage_key: 'flows/2026-12-07.json',
      serializer: { type: 'structured' },
      storage: { type: 'local' },
    });
    const value = await loadResult(world.server.client, run.state?.data);
    expect(value).toEqual(new Map([['2026-12-07', new Date('2026-12-07')]]));
  });

  it("reads a subflow's structured result back when its parent is retried, without running the child again", async () => {
    const parameters = { marker: file('subflow.marker'), file: file('subflow.log') };
    const run = await finished(
      world,
      await runFlow(world, 'flows/serializers.ts:parentOfStructured', parameters, 1),
    );
    expect(run.state_type).toBe('COMPLETED');
    expect(run.state?.data).toEqual({ isMap: true, big: true });
    expect(lines(parameters.file)).toEqual(['second attempt']);
    const link = (await taskRuns(world, run.id)).get('structured-child-0')!;
    expect(link.state?.data).toMatchObject({ serializer: { type: 'structured' } });
    const children = await world.server.client.filterFlowRuns({
      flow_runs: { parent_task_run_id: { any_: [link.id] } },
    });
    expect(children).toHaveLength(1);
  });

  it('fails a task whose key template would leave its folder, without running it', async () => {
    const marker = file('bad-key.log');
    const run = await finished(
      world,
      await runFlow(world, 'flows/serializers.ts:escaping', { path: '../../outside', file: marker }),
    );
    expect(run.state_type).toBe('FAILED');
    const failed = (await taskRuns(world, run.id)).get('bad-key-0')!;
    expect(failed).toMatchObject({ state_type: 'FAILED' });
    expect(failed.state?.message).toContain('ResultKeyError');
    expect(existsSync(marker)).toBe(false);
  });
});
