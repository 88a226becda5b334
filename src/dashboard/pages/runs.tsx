// The runs page: filters (state, flow, deployment, tag, work pool, time range), a page of runs with the
// total count, refreshed in place as runs appear and change (docs/dashboard.md).
import { type FlowRun, isTerminal, STATE_TYPES } from 'edgeflow/protocol';
import { filterDeployments } from '../../db/deployments';
import { countFlowRuns, filterFlowRuns } from '../../db/flow-run-queries';
import { filterFlows } from '../../db/flows';
import { filterWorkPools } from '../../db/work-pools';
import {
  pageWindow,
  type RunsQuery,
  readRunsQuery,
  runsPageBody,
  runsQueryString,
  TIME_RANGES,
  type TimeRange,
} from '../../domain/dashboard';
import type { Env } from '../../env';
import { Duration, Empty, Live, Pager, StateBadge, Time } from '../components';
import { formatCount } from '../format';
import { liveHtml } from '../live';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';

const ALL = { sort: 'NAME_ASC', limit: 200, offset: 0 } as const;

/** Flow names by id, for the runs shown. */
export async function flowNames(env: Env, runs: readonly FlowRun[]): Promise<Map<string, string>> {
  const ids = [...new Set(runs.map((run) => run.flow_id))];
  if (ids.length === 0) return new Map();
  const flows = await filterFlows(env.DB, { ...ALL, flows: { id: { any_: ids } } });
  return new Map(flows.map((flow) => [flow.id, flow.name]));
}

async function loadRuns(env: Env, query: RunsQuery, now: Date) {
  const body = runsPageBody(query, now);
  const [runs, total] = await Promise.all([filterFlowRuns(env.DB, body), countFlowRuns(env.DB, body)]);
  return { runs, total, flows: await flowNames(env, runs) };
}

/** A table of runs: state, name, flow, start, duration. Shared with the overview and deployment pages. */
export function RunRows(props: { runs: readonly FlowRun[]; flows: Map<string, string>; caption: string }) {
  if (props.runs.length === 0) return <Empty>No flow runs match.</Empty>;
  return (
    <table class="runs">
      <caption class="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col" class="col-state">
            State
          </th>
          <th scope="col">Name</th>
          <th scope="col">Flow</th>
          <th scope="col" class="col-time">
            Start
          </th>
          <th scope="col" class="col-duration">
            Duration
          </th>
        </tr>
      </thead>
      <tbody>
        {props.runs.map((run) => (
          <tr data-run-id={run.id}>
            <td>
              <StateBadge type={run.state_type} name={run.state_name} />
            </td>
            <td class="name">
              <a href={`/runs/${run.id}`}>{run.name}</a>
            </td>
            <td class="name">{props.flows.get(run.flow_id) ?? run.flow_id.slice(0, 8)}</td>
            <td>
              <Time iso={run.start_time ?? run.expected_start_time} />
            </td>
            <td>
              <Duration start={run.start_time} end={run.end_time} running={!isTerminal(run.state_type)} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RunsTable(props: { query: RunsQuery; runs: FlowRun[]; total: number; flows: Map<string, string> }) {
  const { query, total } = props;
  const window = pageWindow(total, query.page);
  const link = (pageNumber: number | null) =>
    pageNumber === null ? null : `/runs${runsQueryString(query, { page: pageNumber })}`;
  return (
    <>
      <div class="list-head">
        <p class="count" data-total={total}>
          {total === 0
            ? 'No runs'
            : `${formatCount(window.first)}–${formatCount(window.last)} of ${formatCount(total)} runs`}
        </p>
        <Pager label="Pages of runs" previous={link(window.previous)} next={link(window.next)}>
          Page {formatCount(Math.min(query.page, window.pages))} of {formatCount(window.pages)}
        </Pager>
      </div>
      <RunRows runs={props.runs} flows={props.flows} caption="Flow runs, newest first" />
    </>
  );
}

async function filterOptions(env: Env, now: Date) {
  const [flows, deployments, pools] = await Promise.all([
    filterFlows(env.DB, ALL),
    filterDeployments(env.DB, ALL),
    filterWorkPools(env.DB, { limit: 200, offset: 0 }, now),
  ]);
  return { flows, deployments, pools };
}

function Select(props: {
  name: string;
  label: string;
  value: string | null;
  options: { value: string; label: string }[];
}) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">Any</option>
        {props.options.map((option) => (
          <option value={option.value} selected={option.value === props.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function Filters(props: { query: RunsQuery; options: Awaited<ReturnType<typeof filterOptions>> }) {
  const { query, options } = props;
  return (
    <form method="get" action="/runs" class="filters" aria-label="Filter runs">
      <fieldset class="states">
        <legend>State</legend>
        {STATE_TYPES.map((state) => (
          <label class="check">
            <input type="checkbox" name="state" value={state} checked={query.states.includes(state)} />
            <StateBadge type={state} />
          </label>
        ))}
      </fieldset>
      <Select
        name="flow"
        label="Flow"
        value={query.flowId}
        options={options.flows.map((flow) => ({ value: flow.id, label: flow.name }))}
      />
      <Select
        name="deployment"
        label="Deployment"
        value={query.deploymentId}
        options={options.deployments.map((d) => ({ value: d.id, label: d.name }))}
      />
      <Select
        name="pool"
        label="Work pool"
        value={query.workPool}
        options={options.pools.map((pool) => ({ value: pool.name, label: pool.name }))}
      />
      <label>
        Tag
        <input name="tag" value={query.tag ?? ''} autocomplete="off" />
      </label>
      <label>
        Time range
        <select name="range">
          {(Object.keys(TIME_RANGES) as TimeRange[]).map((range) => (
            <option value={range} selected={range === query.range}>
              {TIME_RANGES[range].label}
            </option>
          ))}
        </select>
      </label>
      <div class="filter-buttons">
        <button type="submit" class="button primary">
          Apply
        </button>
        <a class="button" href="/runs">
          Clear
        </a>
      </div>
    </form>
  );
}

export async function runsPage(c: DashboardContext): Promise<Response> {
  const now = new Date();
  const query = readRunsQuery(c.req.queries());
  const [data, options] = await Promise.all([loadRuns(c.env, query, now), filterOptions(c.env, now)]);
  return page(
    c,
    { title: 'Flow runs', current: 'runs' },
    <>
      <h1>Flow runs</h1>
      <Filters query={query} options={options} />
      <Live src={`/runs/live${runsQueryString(query)}`} label="Runs" class="runs-region">
        <RunsTable query={query} {...data} />
      </Live>
    </>,
  );
}

export async function runsLive(c: DashboardContext): Promise<Response> {
  const query = readRunsQuery(c.req.queries());
  const data = await loadRuns(c.env, query, new Date());
  return liveHtml(c, <RunsTable query={query} {...data} />);
}
