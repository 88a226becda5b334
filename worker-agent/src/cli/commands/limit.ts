// `edgeflow limit …`: named concurrency and rate limits, and task tag limits (docs/concurrency.md).
import { parseArgs } from 'node:util';
import type { ConcurrencyLimit } from '../../protocol/index.ts';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, UsageError } from '../connection.ts';
import { dateTime, table } from '../format.ts';
import type { Command } from '../main.ts';

const USAGE = `Usage: edgeflow limit <action> [arguments] [options]

Named concurrency and rate limits (Prefect's global concurrency limits):
  create <name> --limit N [--decay PER_SECOND] [--inactive]
                           a limit of N slots; with --decay, a rate limit whose slots free
                           themselves at that rate
  ls                       every limit, with its slots in use
  inspect <name>           a limit, the leases holding its slots and the requests waiting
  delete <name>            delete a limit (requests waiting for it are refused)
  reset <name>             free every slot of a limit (its leases are dropped)
Task tag limits (a task with the tag runs only when a slot is free):
  tag set <tag> N          limit the tag to N tasks running at once (creates or changes)
  tag ls                   every tag limit and the task runs holding its slots
  tag inspect <tag>        one tag limit
  tag reset <tag>          free every slot of a tag limit
  tag delete <tag>         remove a tag's limit

Options:
  --limit N                slots (create)
  --decay PER_SECOND       slot decay per second (create; makes a rate limit)
  --inactive               create it switched off (enforces nothing until switched on)
${CONNECTION_USAGE}`;

function positiveInteger(text: string | undefined, what: string): number {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < 0) {
    throw new UsageError(`${what} must be a whole number of at least 0.`);
  }
  return value;
}

function limitRow(limit: ConcurrencyLimit): string[] {
  return [
    limit.name,
    `${limit.active_slots}/${limit.limit}`,
    limit.slot_decay_per_second > 0 ? `${limit.slot_decay_per_second}/s` : '-',
    limit.active ? 'yes' : 'no',
    String(limit.denied_slots),
  ];
}

const LIMIT_HEADERS = ['NAME', 'SLOTS', 'DECAY', 'ACTIVE', 'DENIED'];

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      limit: { type: 'string' },
      decay: { type: 'string' },
      inactive: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, name] = positionals;
  const limits = connect(values).limits;
  const needName = () => {
    if (!name) throw new UsageError(`edgeflow limit ${action} needs a name.\n\n${USAGE}`);
    return name;
  };
  switch (action) {
    case 'create': {
      const created = await limits.create({
        name: needName(),
        limit: positiveInteger(values.limit, '--limit'),
        slot_decay_per_second: values.decay === undefined ? 0 : Number(values.decay),
        active: !values.inactive,
      });
      console.log(`created limit ${created.name} (${created.id}): ${created.limit} slots`);
      return 0;
    }
    case 'ls':
      console.log(table(LIMIT_HEADERS, (await limits.list()).map(limitRow)));
      return 0;
    case 'inspect': {
      const limit = await limits.read(needName());
      const holders = await limits.holders(limit.name);
      console.log(table(LIMIT_HEADERS, [limitRow(limit)]));
      console.log(`\nleases (${holders.leases.length}):`);
      const leaseRows = holders.leases.map((lease) => [
        lease.lease_id,
        String(lease.slots),
        lease.holder ? `${lease.holder.type} ${lease.holder.id}` : '-',
        dateTime(lease.expires),
      ]);
      if (leaseRows.length > 0) console.log(table(['LEASE', 'SLOTS', 'HOLDER', 'EXPIRES'], leaseRows));
      console.log(`waiting: ${holders.waiters.length} request(s)`);
      return 0;
    }
    case 'delete':
      await limits.remove(needName());
      console.log(`deleted limit ${name}`);
      return 0;
    case 'reset': {
      const limit = await limits.reset(needName());
      console.log(`reset limit ${limit.name}: ${limit.active_slots}/${limit.limit} slots in use`);
      return 0;
    }
    case 'tag':
      return tag(limits, positionals.slice(1));
    default:
      throw new UsageError(`edgeflow limit: unknown action "${action ?? ''}"\n\n${USAGE}`);
  }
}

async function tag(limits: ReturnType<typeof connect>['limits'], args: string[]): Promise<number> {
  const [action, name, count] = args;
  const needTag = () => {
    if (!name) throw new UsageError(`edgeflow limit tag ${action} needs a tag.\n\n${USAGE}`);
    return name;
  };
  const show = (limit: { tag: string; concurrency_limit: number; active_slots: string[] }) =>
    table(
      ['TAG', 'LIMIT', 'RUNNING'],
      [[limit.tag, String(limit.concurrency_limit), limit.active_slots.join(', ') || '-']],
    );
  switch (action) {
    case 'set': {
      const limit = await limits.upsertTag(needTag(), positiveInteger(count, 'The limit'));
      console.log(`tag ${limit.tag}: at most ${limit.concurrency_limit} task(s) running at once`);
      return 0;
    }
    case 'ls': {
      const all = await limits.listTags();
      console.log(
        table(
          ['TAG', 'LIMIT', 'IN USE'],
          all.map((limit) => [limit.tag, String(limit.concurrency_limit), String(limit.active_slots.length)]),
        ),
      );
      return 0;
    }
    case 'inspect':
      console.log(show(await limits.readTag(needTag())));
      return 0;
    case 'reset':
      console.log(show(await limits.resetTag(needTag())));
      return 0;
    case 'delete':
      await limits.removeTag(needTag());
      console.log(`removed the limit on tag ${name}`);
      return 0;
    default:
      throw new UsageError(`edgeflow limit tag: unknown action "${action ?? ''}"\n\n${USAGE}`);
  }
}

export const limitCommand: Command = {
  name: 'limit',
  summary: 'create, list, inspect, reset and delete concurrency limits and tag limits',
  usage: USAGE,
  run,
};
