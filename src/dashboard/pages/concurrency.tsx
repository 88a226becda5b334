// Concurrency: every named limit (tag limits included) with its slots in use, the leases holding them
// and the requests waiting in its line. Read-only, refreshed live (docs/concurrency.md).
import type { ConcurrencyLimit, LimitHolders } from 'edgeflow/protocol';
import { limitNames } from '../../db/concurrency-limits';
import { namedLimitObject } from '../../durable/objects';
import type { Env } from '../../env';
import { Empty, Live, Time } from '../components';
import { liveHtml } from '../live';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';

/** Limits shown: each costs two calls to its object (the limit, its holders). */
const LIMITS_SHOWN = 100;

interface LimitView {
  limit: ConcurrencyLimit;
  holders: LimitHolders;
}

async function loadLimits(env: Env): Promise<LimitView[]> {
  const names = await limitNames(env.DB, 0, LIMITS_SHOWN);
  const views = await Promise.all(
    names.map(async (name) => {
      const object = namedLimitObject(env, name);
      const [limit, holders] = await Promise.all([object.readLimit(), object.limitHolders()]);
      return limit && holders ? { limit, holders } : null;
    }),
  );
  return views.filter((view) => view !== null);
}

function kindOf(limit: ConcurrencyLimit): string {
  if (limit.name.startsWith('tag:')) return 'task tag limit';
  return limit.slot_decay_per_second > 0
    ? `rate limit, ${limit.slot_decay_per_second} slot(s)/s decay`
    : 'concurrency limit';
}

function Limit(props: { view: LimitView }) {
  const { limit, holders } = props.view;
  const id = `limit-${limit.id}`;
  return (
    <section class="card" id={id} aria-labelledby={`${id}-title`}>
      <div class="title-row">
        <h2 id={`${id}-title`}>{limit.name}</h2>
        <span class="muted">
          {kindOf(limit)}
          {limit.active ? '' : ', switched off (enforces nothing)'}
        </span>
      </div>
      <p>
        <strong>
          {limit.active_slots} / {limit.limit}
        </strong>{' '}
        slots in use; {limit.denied_slots} denied recently; a slot is held{' '}
        {limit.avg_slot_occupancy_seconds.toFixed(1)} s on average.
      </p>
      <h3>Holders</h3>
      {holders.leases.length === 0 ? (
        <Empty>No lease holds a slot.</Empty>
      ) : (
        <table>
          <caption class="visually-hidden">Leases holding slots of {limit.name}</caption>
          <thead>
            <tr>
              <th scope="col">Holder</th>
              <th scope="col">Slots</th>
              <th scope="col" class="col-time">
                Since
              </th>
              <th scope="col" class="col-time">
                Lease ends
              </th>
            </tr>
          </thead>
          <tbody>
            {holders.leases.map((lease) => (
              <tr>
                <td class="name">
                  {lease.holder ? (
                    <HolderLink holder={lease.holder} />
                  ) : (
                    <span class="muted">lease {lease.lease_id}</span>
                  )}
                </td>
                <td>{lease.slots}</td>
                <td>
                  <Time iso={lease.acquired} />
                </td>
                <td>
                  <Time iso={lease.expires} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Waiting</h3>
      {holders.waiters.length === 0 ? (
        <Empty>Nothing is waiting for a slot.</Empty>
      ) : (
        <ol>
          {holders.waiters.map((waiter) => (
            <li>
              {waiter.slots} slot(s), waiting since <Time iso={waiter.since} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function HolderLink(props: { holder: NonNullable<LimitHolders['leases'][number]['holder']> }) {
  const { holder } = props;
  const run = holder.type === 'flow_run' ? holder.id : holder.flow_run_id;
  const label = `${holder.type.replace('_', ' ')} ${holder.id}`;
  return run ? <a href={`/runs/${encodeURIComponent(run)}`}>{label}</a> : <span>{label}</span>;
}

function Limits(props: { views: LimitView[] }) {
  if (props.views.length === 0) {
    return (
      <Empty>No concurrency limits yet: `edgeflow limit create` or `edgeflow limit tag set` makes one.</Empty>
    );
  }
  return (
    <div class="cards wide">
      {props.views.map((view) => (
        <Limit view={view} />
      ))}
    </div>
  );
}

export async function concurrencyPage(c: DashboardContext): Promise<Response> {
  const views = await loadLimits(c.env);
  return page(
    c,
    { title: 'Concurrency', current: 'concurrency' },
    <>
      <h1>Concurrency</h1>
      <Live src="/concurrency/live" label="Concurrency limits">
        <Limits views={views} />
      </Live>
    </>,
  );
}

export async function concurrencyLive(c: DashboardContext): Promise<Response> {
  return liveHtml(c, <Limits views={await loadLimits(c.env)} />);
}
