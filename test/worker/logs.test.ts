import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const BASE = 'http://edgeflow.test/api';
const headers = { authorization: 'Bearer test-admin-key', 'content-type': 'application/json' };

interface Log {
  id: number;
  key: string | null;
  flow_run_id: string;
  task_run_id: string | null;
  level: number;
  name: string;
  message: string;
  timestamp: string;
}

const post = (path: string, body: string) =>
  exports.default.fetch(`${BASE}${path}`, { method: 'POST', headers, body });

async function write(logs: unknown[]) {
  const response = await post('/logs', JSON.stringify(logs));
  expect(response.status).toBe(201);
  return response.json();
}

async function filter(body: unknown): Promise<Log[]> {
  const response = await post('/logs/filter', JSON.stringify(body));
  expect(response.status).toBe(200);
  return (await response.json()) as Log[];
}

const START = Date.parse('2026-01-01T00:00:00.000Z');
const at = (second: number) => new Date(START + second * 1000).toISOString();

/** `count` logs of one run, a second apart, cycling through the five levels, split over two task runs. */
function runLogs(count: number) {
  const flowRunId = crypto.randomUUID();
  const taskRunIds = [crypto.randomUUID(), crypto.randomUUID()];
  const logs = Array.from({ length: count }, (_, i) => ({
    flow_run_id: flowRunId,
    task_run_id: taskRunIds[i % 2],
    level: ((i % 5) + 1) * 10,
    name: 'edgeflow.task',
    message: `line ${i}`,
    timestamp: at(i),
  }));
  return { flowRunId, taskRunIds, logs };
}

const byRun = (flowRunId: string) => ({ flow_run_id: { any_: [flowRunId] } });

describe('POST /api/logs', () => {
  it('writes a batch of 100 and reads all of it back in timestamp order', async () => {
    const { flowRunId, logs } = runLogs(100);
    expect(await write([...logs].reverse())).toEqual({ count: 100 });
    const read = await filter({ logs: byRun(flowRunId) });
    expect(read.map((log) => log.message)).toEqual(logs.map((log) => log.message));
    expect(read[0]).toMatchObject({ ...logs[0], id: expect.any(Number) });
  });

  it('writes the largest batch allowed, 1000 logs', async () => {
    const { flowRunId, logs } = runLogs(1000);
    expect(await write(logs)).toEqual({ count: 1000 });
    let seen = 0;
    for (let offset = 0; offset < 1000; offset += 200) {
      seen += (await filter({ logs: byRun(flowRunId), limit: 200, offset })).length;
    }
    expect(seen).toBe(1000);
  });

  it('stores each line once when the same batch is sent again (its answer was lost)', async () => {
    const { flowRunId, logs } = runLogs(40);
    const keyed = logs.map((log) => ({ ...log, key: crypto.randomUUID() }));
    expect(await write(keyed)).toEqual({ count: 40 });
    expect(await write(keyed)).toEqual({ count: 40 });
    // A resend that overlaps the next batch: only the new lines are added.
    const next = runLogs(2).logs.map((log) => ({ ...log, flow_run_id: flowRunId, key: crypto.randomUUID() }));
    await write([...keyed.slice(30), ...next]);
    const read = await filter({ logs: byRun(flowRunId) });
    expect(read.map((log) => log.key).sort()).toEqual([...keyed, ...next].map((log) => log.key).sort());
  });

  it('writes a batch that spans several statements (3 MB of messages) in full', async () => {
    const { flowRunId, logs } = runLogs(30);
    const big = logs.map((log) => ({ ...log, message: 'é'.repeat(50_000) }));
    expect(await write(big)).toEqual({ count: 30 });
    const read = await filter({ logs: byRun(flowRunId) });
    expect(read.map((log) => log.message.length)).toEqual(big.map(() => 50_000));
  });

  it('gives a line sent without a key one of its own, so keyless lines are never merged', async () => {
    const { flowRunId, logs } = runLogs(3);
    await write(logs);
    await write(logs);
    const read = await filter({ logs: byRun(flowRunId) });
    expect(read).toHaveLength(6);
    expect(new Set(read.map((log) => log.key)).size).toBe(6);
    expect(read.every((log) => /^[0-9a-f-]{36}$/.test(log.key ?? ''))).toBe(true);
  });

  it('keeps messages with NULs, quotes and astral characters intact', async () => {
    const flowRunId = crypto.randomUUID();
    const message = 'a\u0000b "quoted" \\ 🚀 é\n\ttab';
    await write([{ flow_run_id: flowRunId, level: 20, name: 'n', message, timestamp: at(0) }]);
    expect((await filter({ logs: byRun(flowRunId) })).map((log) => log.message)).toEqual([message]);
  });

  it('refuses a key that is not a UUID, naming it', async () => {
    const response = await post('/logs', JSON.stringify([{ ...runLogs(1).logs[0], key: 'line-1' }]));
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ field: '[0].key' });
  });

  it('accepts logs of a run it has never heard of, without a task run', async () => {
    const flowRunId = crypto.randomUUID();
    await write([{ flow_run_id: flowRunId, level: 20, name: 'n', message: '', timestamp: at(0) }]);
    expect(await filter({ logs: byRun(flowRunId) })).toMatchObject([{ task_run_id: null }]);
  });

  it('answers 400 request.malformed_json for a body that is not JSON', async () => {
    const response = await post('/logs', '[{"flow_run_id": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'request.malformed_json' });
  });

  it('answers 422 naming the bad field and writes none of the batch', async () => {
    const { flowRunId, logs } = runLogs(3);
    const response = await post('/logs', JSON.stringify([logs[0], { ...logs[1], level: 'info' }, logs[2]]));
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'request.invalid', field: '[1].level' });
    expect(await filter({ logs: byRun(flowRunId) })).toEqual([]);
  });

  it('refuses a non-UUID run id', async () => {
    const response = await post('/logs', JSON.stringify([{ ...runLogs(1).logs[0], flow_run_id: 'run-1' }]));
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ field: '[0].flow_run_id' });
  });

  it('refuses an empty batch', async () => {
    expect((await post('/logs', '[]')).status).toBe(422);
  });

  it('answers 413 for an oversized body streamed without a length', async () => {
    const { flowRunId, logs } = runLogs(50);
    const body = new Blob([
      JSON.stringify(logs.map((log) => ({ ...log, message: 'x'.repeat(90_000) }))),
    ]).stream();
    const response = await exports.default.fetch(`${BASE}/logs`, { method: 'POST', headers, body });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'request.too_large' });
    expect(await filter({ logs: byRun(flowRunId) })).toEqual([]);
  });

  it('answers 413 request.too_large for a body over 4 MiB and writes nothing', async () => {
    const { flowRunId, logs } = runLogs(50);
    const big = logs.map((log) => ({ ...log, message: 'x'.repeat(90_000) }));
    const body = JSON.stringify(big);
    expect(body.length).toBeGreaterThan(4 * 1024 * 1024);
    const response = await post('/logs', body);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'request.too_large' });
    expect(await filter({ logs: byRun(flowRunId) })).toEqual([]);
  });
});

describe('POST /api/logs/filter', () => {
  it('filters by task run', async () => {
    const { flowRunId, taskRunIds, logs } = runLogs(10);
    await write(logs);
    const read = await filter({ logs: { ...byRun(flowRunId), task_run_id: { any_: [taskRunIds[1]] } } });
    expect(read.map((log) => log.message)).toEqual(['line 1', 'line 3', 'line 5', 'line 7', 'line 9']);
  });

  it('filters by level, both bounds inclusive', async () => {
    const { flowRunId, logs } = runLogs(10);
    await write(logs);
    const read = await filter({ logs: { ...byRun(flowRunId), level: { ge_: 20, le_: 30 } } });
    expect(read.map((log) => log.level)).toEqual([20, 30, 20, 30]);
  });

  it('filters by time, both bounds inclusive, whatever offset the bounds are written in', async () => {
    const { flowRunId, logs } = runLogs(10);
    await write(logs);
    // 02:00:03+02:00 is 00:00:03Z.
    const timestamp = { after_: '2026-01-01T02:00:03+02:00', before_: at(5) };
    const read = await filter({ logs: { ...byRun(flowRunId), timestamp } });
    expect(read.map((log) => log.message)).toEqual(['line 3', 'line 4', 'line 5']);
  });

  it('stores timestamps in UTC so that time order holds across offsets', async () => {
    const flowRunId = crypto.randomUUID();
    const log = { flow_run_id: flowRunId, level: 20, name: 'n' };
    await write([
      { ...log, message: 'later', timestamp: '2026-01-01T00:30:00Z' },
      { ...log, message: 'earlier', timestamp: '2026-01-01T01:00:00+01:00' },
    ]);
    const read = await filter({ logs: byRun(flowRunId) });
    expect(read.map((l) => [l.message, l.timestamp])).toEqual([
      ['earlier', '2026-01-01T00:00:00.000Z'],
      ['later', '2026-01-01T00:30:00.000Z'],
    ]);
  });

  it('pages with limit and offset, without gaps or repeats', async () => {
    const { flowRunId, logs } = runLogs(25);
    await write(logs);
    const pages = [];
    for (let offset = 0; offset < 25; offset += 10)
      pages.push(await filter({ logs: byRun(flowRunId), limit: 10, offset }));
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
    expect(pages.flat().map((log) => log.message)).toEqual(logs.map((log) => log.message));
  });

  it('sorts newest first on request', async () => {
    const { flowRunId, logs } = runLogs(5);
    await write(logs);
    const read = await filter({ logs: byRun(flowRunId), sort: 'TIMESTAMP_DESC' });
    expect(read.map((log) => log.message)).toEqual(['line 4', 'line 3', 'line 2', 'line 1', 'line 0']);
  });

  it('follows with an id cursor: only logs written after the last one seen', async () => {
    const { flowRunId, logs } = runLogs(6);
    await write(logs.slice(0, 3));
    const seen = await filter({ logs: byRun(flowRunId) });
    await write(logs.slice(3));
    const cursor = Math.max(...seen.map((log) => log.id));
    const next = await filter({ logs: { ...byRun(flowRunId), id: { gt_: cursor } } });
    expect(next.map((log) => log.message)).toEqual(['line 3', 'line 4', 'line 5']);
  });

  it('matches any of 200 run ids in one query', async () => {
    const runs = Array.from({ length: 200 }, () => runLogs(1));
    await write(runs.map((run) => run.logs[0]));
    const read = await filter({ logs: { flow_run_id: { any_: runs.map((run) => run.flowRunId) } } });
    expect(read).toHaveLength(200);
  });

  it('refuses a limit above 200 with 422 naming limit', async () => {
    const response = await post('/logs/filter', JSON.stringify({ limit: 201 }));
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'request.invalid', field: 'limit' });
  });

  it('refuses an unknown filter field', async () => {
    const response = await post('/logs/filter', JSON.stringify({ logs: { flow_run: { any_: [] } } }));
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ field: 'logs' });
  });
});
