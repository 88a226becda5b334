// Work pools: each pool's queues (priority, limit, runs active now), its agents online or offline with
// their last heartbeat, and pause or resume. Refreshed live, so an agent going offline shows.
import type { Worker, WorkPool, WorkQueue } from 'edgeflow/protocol';
import { activeRunsByQueue } from '../../db/pool-runs';
import { filterWorkPools } from '../../db/work-pools';
import { filterWorkQueues } from '../../db/work-queues';
import { workPoolObject } from '../../durable/objects';
import type { Env } from '../../env';
import { ApiButton, Empty, Live, ScopeNote, Time } from '../components';
import { liveHtml } from '../live';
import { page } from '../shell';
import type { DashboardContext, Viewer } from '../viewer';

/** Pools shown: each costs an object call (its agents) and two index reads. */
const POOLS_SHOWN = 50;
const PAUSE_ROUTE = 'PATCH /api/work_pools/{name}';

interface PoolView {
  pool: WorkPool;
  queues: WorkQueue[];
  active: Map<string, number>;
  workers: Worker[];
}

async function loadPools(env: Env, now: Date): Promise<PoolView[]> {
  const pools = await filterWorkPools(env.DB, { limit: POOLS_SHOWN, offset: 0 }, now);
  return Promise.all(
    pools.map(async (pool) => {
      const [queues, active, workers] = await Promise.all([
        filterWorkQueues(env.DB, pool.name, { limit: 200, offset: 0 }, now),
        activeRunsByQueue(env.DB, pool.name),
        workPoolObject(env, pool.name).listWorkers(pool.name),
      ]);
      return { pool, queues, active, workers: workers ?? [] };
    }),
  );
}

function Pool(props: { view: PoolView; viewer: Viewer }) {
  const { pool, queues, active, workers } = props.view;
  return (
    <section class="card" id={`pool-${pool.name}`} aria-labelledby={`pool-${pool.name}-title`}>
      <div class="title-row">
        <h2 id={`pool-${pool.name}-title`}>{pool.name}</h2>
        <span class="muted">
          {pool.type}, {pool.paused ? 'paused' : 'taking runs'}
          {pool.concurrency_limit === null ? '' : `, at most ${pool.concurrency_limit} at once`}
        </span>
        <div class="actions">
          <ApiButton
            viewer={props.viewer}
            route={PAUSE_ROUTE}
            call={{
              method: 'PATCH',
              path: `/api/work_pools/${encodeURIComponent(pool.name)}`,
              body: { paused: !pool.paused },
            }}
            label={pool.paused ? 'Resume' : 'Pause'}
          />
        </div>
      </div>
      <h3>Queues</h3>
      <table>
        <caption class="visually-hidden">Queues of {pool.name}, served in priority order</caption>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">Priority</th>
            <th scope="col">Limit</th>
            <th scope="col">Active runs</th>
            <th scope="col" class="col-time">
              Last polled
            </th>
          </tr>
        </thead>
        <tbody>
          {queues.map((queue) => (
            <tr>
              <td class="name">
                {queue.name}
                {queue.paused ? <span class="muted"> (paused)</span> : null}
              </td>
              <td>{queue.priority}</td>
              <td>{queue.concurrency_limit ?? '—'}</td>
              <td>{active.get(queue.name) ?? 0}</td>
              <td>
                <Time iso={queue.last_polled} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Agents</h3>
      {workers.length === 0 ? (
        <Empty>No agent has polled this pool.</Empty>
      ) : (
        <ul class="plain">
          {workers.map((worker) => (
            <li>
              <span class={worker.status === 'ONLINE' ? 'online' : 'offline'}>
                {worker.status === 'ONLINE' ? 'Online' : 'Offline'}
              </span>{' '}
              {worker.name} <span class="muted">last heartbeat </span>
              <Time iso={worker.last_heartbeat_time} />
              <span class="muted"> (every {worker.heartbeat_interval_seconds} s)</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Pools(props: { views: PoolView[]; viewer: Viewer }) {
  if (props.views.length === 0)
    return <Empty>No work pools yet: an agent creates its pool when it starts.</Empty>;
  return (
    <>
      <ScopeNote viewer={props.viewer} show={!props.viewer.may(PAUSE_ROUTE)} />
      <div class="cards wide">
        {props.views.map((view) => (
          <Pool view={view} viewer={props.viewer} />
        ))}
      </div>
    </>
  );
}

export async function workPoolsPage(c: DashboardContext): Promise<Response> {
  const views = await loadPools(c.env, new Date());
  return page(
    c,
    { title: 'Work pools', current: 'work-pools' },
    <>
      <h1>Work pools</h1>
      <Live src="/work-pools/live" label="Work pools">
        <Pools views={views} viewer={c.get('viewer')} />
      </Live>
    </>,
  );
}

export async function workPoolsLive(c: DashboardContext): Promise<Response> {
  return liveHtml(c, <Pools views={await loadPools(c.env, new Date())} viewer={c.get('viewer')} />);
}
