// The runs page's query: what its URL asks for (states, flow, deployment, tag, pool, time range, page),
// read leniently (a bad value is dropped, never an error page), and the index filter it means.
import { type FlowRunFilter, type FlowRunFilterBody, STATE_TYPES, type StateType } from 'edgeflow/protocol';

export const RUNS_PAGE_SIZE = 50;

/** How far back the runs page looks, by expected start time; scheduled runs ahead are always in. */
export const TIME_RANGES = {
  hour: { label: 'Past hour', ms: 3_600_000 },
  day: { label: 'Past day', ms: 86_400_000 },
  week: { label: 'Past 7 days', ms: 7 * 86_400_000 },
  month: { label: 'Past 30 days', ms: 30 * 86_400_000 },
  all: { label: 'All time', ms: null },
} as const satisfies Record<string, { label: string; ms: number | null }>;
export type TimeRange = keyof typeof TIME_RANGES;
export const DEFAULT_TIME_RANGE: TimeRange = 'week';

export interface RunsQuery {
  states: StateType[];
  flowId: string | null;
  deploymentId: string | null;
  tag: string | null;
  workPool: string | null;
  range: TimeRange;
  /** 1-based. */
  page: number;
}

/** The URL's parameters as the page reads them: each name to all its values. */
export type QueryParams = Record<string, string[] | undefined>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The API caps pages deep enough for any use; a page past it is read as the last one it allows. */
const MAX_PAGE = 10_000;

function single(params: QueryParams, name: string, max = 200): string | null {
  const value = params[name]?.[0]?.trim();
  return value && value.length <= max ? value : null;
}

export function readRunsQuery(params: QueryParams): RunsQuery {
  const states = (params.state ?? []).filter((value): value is StateType =>
    (STATE_TYPES as readonly string[]).includes(value),
  );
  const flowId = single(params, 'flow');
  const deploymentId = single(params, 'deployment');
  const range = single(params, 'range');
  const page = Number(single(params, 'page'));
  return {
    states: [...new Set(states)],
    flowId: flowId && UUID.test(flowId) ? flowId.toLowerCase() : null,
    deploymentId: deploymentId && UUID.test(deploymentId) ? deploymentId.toLowerCase() : null,
    tag: single(params, 'tag'),
    workPool: single(params, 'pool'),
    range: range && range in TIME_RANGES ? (range as TimeRange) : DEFAULT_TIME_RANGE,
    page: Number.isInteger(page) && page >= 1 ? Math.min(page, MAX_PAGE) : 1,
  };
}

/** The index filter a query means, at `now`. */
export function runsFilter(query: RunsQuery, now: Date): FlowRunFilter {
  const filter: FlowRunFilter = { operator: 'and_' };
  if (query.states.length > 0) filter.state = { type: { any_: query.states } };
  if (query.flowId) filter.flow_id = { any_: [query.flowId] };
  if (query.deploymentId) filter.deployment_id = { any_: [query.deploymentId] };
  if (query.tag) filter.tags = { all_: [query.tag] };
  if (query.workPool) filter.work_pool_name = { any_: [query.workPool] };
  const span = TIME_RANGES[query.range].ms;
  if (span !== null) filter.expected_start_time = { after_: new Date(now.getTime() - span).toISOString() };
  return filter;
}

/** The page of runs a query shows: newest expected start first (scheduled runs ahead on top). */
export function runsPageBody(query: RunsQuery, now: Date): FlowRunFilterBody {
  return {
    flow_runs: runsFilter(query, now),
    sort: 'EXPECTED_START_TIME_DESC',
    limit: RUNS_PAGE_SIZE,
    offset: (query.page - 1) * RUNS_PAGE_SIZE,
  };
}

/** The query as URL parameters (defaults left out), with `changes` applied: for links and forms. */
export function runsQueryString(query: RunsQuery, changes: Partial<RunsQuery> = {}): string {
  const next = { ...query, ...changes };
  const params = new URLSearchParams();
  for (const state of next.states) params.append('state', state);
  if (next.flowId) params.set('flow', next.flowId);
  if (next.deploymentId) params.set('deployment', next.deploymentId);
  if (next.tag) params.set('tag', next.tag);
  if (next.workPool) params.set('pool', next.workPool);
  if (next.range !== DEFAULT_TIME_RANGE) params.set('range', next.range);
  if (next.page > 1) params.set('page', String(next.page));
  const text = params.toString();
  return text ? `?${text}` : '';
}

export interface PageWindow {
  /** 1-based positions of the first and last row shown; 0 and 0 when there are none. */
  first: number;
  last: number;
  pages: number;
  previous: number | null;
  next: number | null;
}

export function pageWindow(total: number, page: number, size = RUNS_PAGE_SIZE): PageWindow {
  const pages = Math.max(1, Math.ceil(total / size));
  const first = total === 0 ? 0 : Math.min((page - 1) * size + 1, total + 1);
  const last = Math.min(page * size, total);
  return {
    first: first > total ? 0 : first,
    last: first > total ? 0 : last,
    pages,
    previous: page > 1 ? Math.min(page - 1, pages) : null,
    next: page < pages ? page + 1 : null,
  };
}
