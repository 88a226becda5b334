// The overview: runs by state over the last day, week or month (a chart), late and failed runs,
// active agents and their pools, and the runs scheduled next. The whole page body refreshes live.
import { type FlowRun, STATE_TYPES, type Worker, type WorkPool } from 'edgeflow/protocol';
import { countRunsByBucket } from '../../db/dashboard-queries';
import { filterFlowRuns } from '../../db/flow-run-queries';
import { filterWorkPools } from '../../db/work-pools';
import {
  HISTORY_SPANS,
  type HistoryBar,
  type HistorySpan,
  historyWindow,
  runHistory,
} from '../../domain/dashboard';
import { workPoolObject } from '../../durable/objects';
import type { Env } from '../../env';
import { Empty, Live, StateBadge, Time } from '../components';
import { formatCount } from '../format';
import { liveHtml } from '../live';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';
import { flowNames, RunRows } from './runs';

/** How many pools the overview asks for their agents: one object call each. */
const POOLS_SHOWN = 50;

function spanOf(c: DashboardContext): HistorySpan {
  const span = c.req.query('span');
  return span && span in HISTORY_SPANS ? (span as HistorySpan) : 'day';
}

async function loadOverview(env: Env, span: HistorySpan, now: Date) {
  const window = historyWindow(span, now);
  const day = new Date(now.getTime() - 86_400_000).toISOString();
  const list = (flow_runs: object, sort: 'EXPECTED_START_TIME_ASC' | 'END_TIME_DESC') =>
    filterFlowRuns(env.DB, { flow_runs: { operator: 'and_', ...flow_runs }, sort, limit: 10, offset: 0 });
  const [counts, late, failed, upcoming, pools] = await Promise.all([
    countRunsByBucket(env.DB, window),
    list({ state: { type: { any_: ['SCHEDULED'] }, name: { any_: ['Late'] } } }, 'EXPECTED_START_TIME_ASC'),
    list({ state: { type: { any_: ['FAILED', 'CRASHED'] } }, end_time: { after_: day } }, 'END_TIME_DESC'),
    list(
      { state: { type: { any_: ['SCHEDULED'] } }, expected_start_time: { after_: now.toISOString() } },
      'EXPECTED_START_TIME_ASC',
    ),
    filterWorkPools(env.DB, { limit: POOLS_SHOWN, offset: 0 }, now),
  ]);
  const workers = await Promise.all(
    pools.map(async (pool) => (await workPoolObject(env, pool.name).listWorkers(pool.name)) ?? []),
  );
  const flows = await flowNames(env, [...late, ...failed, ...upcoming]);
  return { span, bars: runHistory(window, counts), late, failed, upcoming, pools, workers, flows };
}

type Overview = Awaited<ReturnType<typeof loadOverview>>;

/** Stacked bars, one per bucket, coloured by state; a table carries the same numbers for screen readers. */
function Chart(props: { bars: HistoryBar[]; span: HistorySpan }) {
  const tallest = Math.max(1, ...props.bars.map((bar) => bar.total));
  const width = 1000;
  const height = 180;
  const slot = width / props.bars.length;
  const label = (bucket: string) =>
    HISTORY_SPANS[props.span].bucket === 'hour' ? `${bucket.slice(11)}:00` : bucket.slice(5);
  return (
    <figure class="chart-figure">
      <svg class="chart" viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-labelledby="chart-caption">
        <title>Flow runs by state</title>
        {props.bars.map((bar, i) => {
          let y = height;
          return (
            <g>
              {bar.counts.map((part) => {
                const h = (part.n / tallest) * (height - 10);
                y -= h;
                return (
                  <rect
                    x={i * slot + 2}
                    y={y}
                    width={slot - 4}
                    height={h}
                    class={`bar state-${part.state.toLowerCase()}`}
                  />
                );
              })}
              {i % Math.ceil(props.bars.length / 12) === 0 ? (
                <text x={i * slot + slot / 2} y={height + 15} text-anchor="middle" class="axis">
                  {label(bar.bucket)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption id="chart-caption">
        Flow runs by state, {HISTORY_SPANS[props.span].label.toLowerCase()} (by expected start, UTC):{' '}
        {formatCount(props.bars.reduce((sum, bar) => sum + bar.total, 0))} runs.
      </figcaption>
      <div class="legend">
        {STATE_TYPES.map((state) => (
          <StateBadge type={state} />
        ))}
      </div>
    </figure>
  );
}

function Agents(props: { pools: WorkPool[]; workers: Worker[][] }) {
  if (props.pools.length === 0) return <Empty>No work pools yet.</Empty>;
  return (
    <ul class="plain">
      {props.pools.map((pool, i) => {
        const online = props.workers[i]!.filter((worker) => worker.status === 'ONLINE');
        return (
          <li>
            <a href={`/work-pools#pool-${pool.name}`}>{pool.name}</a>{' '}
            <span class={online.length > 0 ? 'online' : 'offline'}>
              {online.length > 0
                ? `${online.length} agent${online.length === 1 ? '' : 's'} online`
                : 'no agent online'}
            </span>
            {pool.paused ? <span class="muted"> (paused)</span> : null}
            {online.length > 0 ? (
              <span class="muted">: {online.map((worker) => worker.name).join(', ')}</span>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

function RunList(props: { runs: FlowRun[]; flows: Map<string, string>; empty: string; caption: string }) {
  if (props.runs.length === 0) return <Empty>{props.empty}</Empty>;
  return <RunRows runs={props.runs} flows={props.flows} caption={props.caption} />;
}

function OverviewBody(props: { data: Overview }) {
  const { data } = props;
  return (
    <>
      <Chart bars={data.bars} span={data.span} />
      <div class="cards">
        <section class="card" aria-labelledby="agents-title">
          <h2 id="agents-title">Agents</h2>
          <Agents pools={data.pools} workers={data.workers} />
        </section>
        <section class="card" aria-labelledby="upcoming-title">
          <h2 id="upcoming-title">Scheduled next</h2>
          {data.upcoming.length === 0 ? (
            <Empty>Nothing scheduled.</Empty>
          ) : (
            <ul class="plain">
              {data.upcoming.map((run) => (
                <li>
                  <Time iso={run.expected_start_time} /> <a href={`/runs/${run.id}`}>{run.name}</a>{' '}
                  <span class="muted">{data.flows.get(run.flow_id)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <h2>Late runs</h2>
      <RunList runs={data.late} flows={data.flows} empty="No late runs." caption="Late runs" />
      <h2>Failed in the last day</h2>
      <RunList
        runs={data.failed}
        flows={data.flows}
        empty="No failures in the last day."
        caption="Failed runs"
      />
    </>
  );
}

export async function overviewPage(c: DashboardContext): Promise<Response> {
  const span = spanOf(c);
  const data = await loadOverview(c.env, span, new Date());
  return page(
    c,
    { title: 'Overview', current: 'overview' },
    <>
      <div class="title-row">
        <h1>Overview</h1>
        <form method="get" action="/" class="actions">
          <label>
            Chart span{' '}
            <select name="span" data-autosubmit>
              {(Object.keys(HISTORY_SPANS) as HistorySpan[]).map((key) => (
                <option value={key} selected={key === span}>
                  {HISTORY_SPANS[key].label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="button">
            Show
          </button>
        </form>
      </div>
      <Live src={`/live?span=${span}`} label="Overview">
        <OverviewBody data={data} />
      </Live>
    </>,
  );
}

export async function overviewLive(c: DashboardContext): Promise<Response> {
  return liveHtml(c, <OverviewBody data={await loadOverview(c.env, spanOf(c), new Date())} />);
}
