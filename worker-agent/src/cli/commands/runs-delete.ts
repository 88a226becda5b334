// `edgeflow runs delete`: deletes finished flow runs by hand, each whole with its subflow runs, as
// retention does (docs/retention.md). Without --yes it only lists what it would delete.
import { parseArgs } from 'node:util';
import { type FlowRunDeleteResult, type FlowRunFilter, TERMINAL_STATE_TYPES } from '../../protocol/index.ts';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, UsageError } from '../connection.ts';
import { dateTime, stateLabel, table } from '../format.ts';
import { deploymentId, stateFilter } from './run-filters.ts';

export const DELETE_USAGE = `Usage: edgeflow runs delete [filters] [--yes]

Deletes finished flow runs (COMPLETED, FAILED, CANCELLED, CRASHED), each with its task runs, logs,
artifacts, results and subflow runs. A run that is not finished, or whose subflow run is not, is kept.
Without --yes nothing is deleted: the runs that match are listed. Takes an admin key.

Filters (at least one):
  --id ID                   this run; repeat for several
  --flow NAME               runs of this flow; repeat for several
  --deployment FLOW/NAME    runs of this deployment
  --state STATE             runs in this final state type or state name; repeat for several
  --before DATE             runs that ended before DATE (ISO 8601: 2026-01-31 or 2026-01-31T12:00:00Z)
Options:
  --limit N                 at most N runs (default: every run that matches)
  --yes                     delete them
${CONNECTION_USAGE}`;

/** Runs a request deletes at most: the API's limit. */
const PAGE = 200;

function endedBefore(text: string): string {
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(at.getTime()))
    throw new UsageError(`--before takes an ISO 8601 date, not "${text}"`);
  return at.toISOString();
}

export async function runsDelete(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      id: { type: 'string', multiple: true },
      flow: { type: 'string', multiple: true },
      deployment: { type: 'string' },
      state: { type: 'string', multiple: true },
      before: { type: 'string' },
      limit: { type: 'string' },
      yes: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.id && !values.flow && !values.deployment && !values.state && !values.before)
    throw new UsageError(`edgeflow runs delete needs at least one filter.\n\n${DELETE_USAGE}`);
  const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
  if (values.limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new UsageError('--limit must be a whole number of at least 1');
  const client = connect(values);

  // Only final runs can go: matching those alone keeps a page from filling up with runs it must keep.
  const filter: FlowRunFilter = { operator: 'and_', state: { type: { any_: [...TERMINAL_STATE_TYPES] } } };
  const state = stateFilter(values.state ?? []);
  if (state?.type?.any_?.some((type) => !TERMINAL_STATE_TYPES.includes(type)))
    throw new UsageError(`--state: only final runs are deleted (${TERMINAL_STATE_TYPES.join(', ')})`);
  if (state) filter.state = { ...filter.state, ...state };
  if (values.id) filter.id = { any_: values.id };
  if (values.before) filter.end_time = { before_: endedBefore(values.before) };
  if (values.deployment) filter.deployment_id = { any_: [await deploymentId(client, values.deployment)] };
  const flows = values.flow ? { name: { any_: values.flow } } : undefined;

  if (!values.yes) {
    const runs = await client.filterFlowRuns({ flows, flow_runs: filter, limit: Math.min(limit, PAGE) });
    if (runs.length === 0) {
      console.log('no finished flow runs match');
      return 0;
    }
    const rows = runs.map((run) => [run.id, run.name, stateLabel(run.state), dateTime(run.end_time)]);
    console.log(table(['ID', 'NAME', 'STATE', 'ENDED'], rows));
    const more = runs.length === PAGE ? ` (the first ${PAGE})` : '';
    console.log(`\n${runs.length} flow runs match${more}; nothing was deleted. Add --yes to delete them.`);
    return 0;
  }

  const deleted: string[] = [];
  const kept: FlowRunDeleteResult['skipped'] = [];
  let matched = 0;
  while (matched < limit) {
    // Runs kept once are left out of the next pages, so they never fill a page again.
    const keptIds = kept.map((run) => run.id).slice(0, PAGE);
    const page = Math.min(PAGE, limit - matched);
    const answer = await client.deleteFlowRuns({
      flows,
      flow_runs: keptIds.length > 0 ? { ...filter, id: { ...filter.id, not_any_: keptIds } } : filter,
      limit: page,
    });
    deleted.push(...answer.deleted);
    kept.push(...answer.skipped);
    const took = answer.deleted.length + answer.skipped.length;
    matched += took;
    if (answer.deleted.length === 0 || took < page || kept.length > PAGE) break;
  }
  for (const run of kept) console.log(`kept ${run.id}: ${run.reason.replace('_', ' ')}`);
  console.log(`deleted ${deleted.length} flow run${deleted.length === 1 ? '' : 's'}`);
  return 0;
}
