// The dashboard's other decisions: what the runs page's URL asks for and the filter it means, which
// actions a run offers, the Run form's fields from a parameter schema, and the overview's chart buckets.
import { describe, expect, it } from 'vitest';
import {
  historyWindow,
  pageWindow,
  parameterFields,
  readRunsQuery,
  runActionCall,
  runActions,
  runHistory,
  runsPageBody,
  runsQueryString,
} from '../../src/domain/dashboard';

const NOW = new Date('2026-03-04T10:30:00Z');
const FLOW = '0b6c3c55-8d2a-4f0e-9a57-3a3b8e1f2c11';

describe('the runs page query', () => {
  it('reads states, flow, deployment, tag, pool, range and page from the URL, dropping what it cannot use', () => {
    const query = readRunsQuery({
      state: ['RUNNING', 'NOPE', 'FAILED', 'RUNNING'],
      flow: [FLOW.toUpperCase()],
      deployment: ['not-a-uuid'],
      tag: [' nightly '],
      pool: ['gpu'],
      range: ['forever'],
      page: ['-3'],
    });
    expect(query).toEqual({
      states: ['RUNNING', 'FAILED'],
      flowId: FLOW,
      deploymentId: null,
      tag: 'nightly',
      workPool: 'gpu',
      range: 'week',
      page: 1,
    });
  });

  it('filters the index by each part it names, the range by expected start, newest first, a page at a time', () => {
    const query = readRunsQuery({
      state: ['COMPLETED'],
      flow: [FLOW],
      tag: ['x'],
      range: ['day'],
      page: ['3'],
    });
    expect(runsPageBody(query, NOW)).toEqual({
      flow_runs: {
        operator: 'and_',
        state: { type: { any_: ['COMPLETED'] } },
        flow_id: { any_: [FLOW] },
        tags: { all_: ['x'] },
        expected_start_time: { after_: '2026-03-03T10:30:00.000Z' },
      },
      sort: 'EXPECTED_START_TIME_DESC',
      limit: 50,
      offset: 100,
    });
    expect(runsPageBody(readRunsQuery({ range: ['all'] }), NOW).flow_runs).toEqual({ operator: 'and_' });
  });

  it('writes a query back as a URL without its defaults, so links keep the filters', () => {
    const query = readRunsQuery({ state: ['FAILED', 'CRASHED'], pool: ['gpu'], page: ['2'] });
    expect(runsQueryString(query)).toBe('?state=FAILED&state=CRASHED&pool=gpu&page=2');
    expect(runsQueryString(query, { page: 1 })).toBe('?state=FAILED&state=CRASHED&pool=gpu');
    expect(runsQueryString(readRunsQuery({}))).toBe('');
  });

  it('counts the rows a page shows, and links pages only where there are some', () => {
    expect(pageWindow(120, 1)).toEqual({ first: 1, last: 50, pages: 3, previous: null, next: 2 });
    expect(pageWindow(120, 3)).toEqual({ first: 101, last: 120, pages: 3, previous: 2, next: null });
    expect(pageWindow(0, 1)).toEqual({ first: 0, last: 0, pages: 1, previous: null, next: null });
    expect(pageWindow(10, 7)).toEqual({ first: 0, last: 0, pages: 1, previous: 1, next: null });
  });
});

describe('run actions', () => {
  const run = { id: 'r', deployment_id: null, work_pool_name: 'pool' };

  it('offers cancel until the run ends, resume while paused, and retry once ended', () => {
    expect(runActions({ ...run, state_type: 'SCHEDULED' })).toEqual(['cancel']);
    expect(runActions({ ...run, state_type: 'RUNNING' })).toEqual(['cancel']);
    expect(runActions({ ...run, state_type: 'PAUSED' })).toEqual(['cancel', 'resume']);
    expect(runActions({ ...run, state_type: 'CANCELLING' })).toEqual([]);
    expect(runActions({ ...run, state_type: 'FAILED' })).toEqual(['retry']);
    expect(runActions({ ...run, state_type: 'COMPLETED' })).toEqual(['retry']);
  });

  it('offers no retry of a run its caller ran itself, which the rules would refuse', () => {
    expect(runActions({ ...run, work_pool_name: null, state_type: 'FAILED' })).toEqual([]);
  });

  it('cancels by proposing CANCELLING and retries through the rules as AwaitingRetry, never by force', () => {
    expect(runActionCall('cancel', 'r')).toMatchObject({
      path: '/api/flow_runs/r/set_state',
      body: { state: { type: 'CANCELLING' } },
    });
    expect(runActionCall('retry', 'r').body).toEqual({
      state: { type: 'SCHEDULED', name: 'AwaitingRetry', message: 'Retried from the dashboard.' },
    });
    expect(runActionCall('resume', 'r').path).toBe('/api/flow_runs/r/resume');
  });
});

describe('the Run form', () => {
  it("makes one field per parameter in the schema's position order, with the control its type needs", () => {
    const schema = {
      type: 'object',
      properties: {
        mode: { enum: ['fast', 'safe'], position: 2 },
        count: { type: 'integer', minimum: 1, maximum: 9, position: 0, title: 'Count' },
        name: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null, position: 1 },
        options: { type: 'object' },
        dry: { $ref: '#/$defs/Flag' },
      },
      required: ['count', 'mode'],
      $defs: { Flag: { type: 'boolean', default: true } },
    };
    const fields = parameterFields(schema, { mode: 'safe' });
    expect(
      fields.map((field) => [field.name, field.label, field.kind, field.required, field.initial]),
    ).toEqual([
      ['count', 'Count', 'integer', true, ''],
      ['name', 'name', 'string', false, 'null'],
      ['mode', 'mode', 'choice', false, '"safe"'],
      ['options', 'options', 'json', false, ''],
      ['dry', 'dry', 'boolean', false, 'true'],
    ]);
    expect(fields[0]).toMatchObject({ minimum: 1, maximum: 9 });
    expect(fields[2]!.choices).toEqual(['"fast"', '"safe"']);
  });

  it('makes no fields without a schema', () => {
    expect(parameterFields(null, { a: 1 })).toEqual([]);
  });
});

describe("the overview's chart", () => {
  it('counts the last 24 hours by hour, ending with the current hour, and fills empty hours with nothing', () => {
    const window = historyWindow('day', NOW);
    expect(window).toMatchObject({
      prefix: 13,
      from: '2026-03-03T11:00:00.000Z',
      to: '2026-03-04T11:00:00.000Z',
    });
    expect(window.buckets).toHaveLength(24);
    expect(window.buckets.at(-1)).toBe('2026-03-04T10');
    const bars = runHistory(window, [
      { bucket: '2026-03-04T10', state_type: 'FAILED', n: 2 },
      { bucket: '2026-03-04T10', state_type: 'COMPLETED', n: 5 },
      { bucket: '2026-03-04T09', state_type: null, n: 7 },
    ]);
    expect(bars.at(-1)).toEqual({
      bucket: '2026-03-04T10',
      total: 7,
      counts: [
        { state: 'COMPLETED', n: 5 },
        { state: 'FAILED', n: 2 },
      ],
    });
    expect(bars.at(-2)).toEqual({ bucket: '2026-03-04T09', total: 0, counts: [] });
  });

  it('counts weeks and months by day', () => {
    const window = historyWindow('week', NOW);
    expect(window.prefix).toBe(10);
    expect(window.buckets).toEqual([
      '2026-02-26',
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
    ]);
  });
});
