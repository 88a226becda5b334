// `edgeflow runs`: lists flow runs, newest first.
import { parseArgs } from 'node:util';
import type { FlowRunFilter } from '../../protocol/index.ts';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, UsageError } from '../connection.ts';
import { dateTime, runDuration, stateLabel, table } from '../format.ts';
import type { Command } from '../main.ts';
import { deploymentId, stateFilter } from './run-filters.ts';
import { DELETE_USAGE, runsDelete } from './runs-delete.ts';

const USAGE = `Usage: edgeflow runs [options]

Lists flow runs that are due or done, the most recently due first. Runs a schedule planned for
later are left out unless --upcoming is given.

Options:
  --flow NAME               only runs of this flow; repeat for several
  --deployment FLOW/NAME    only runs of this deployment
  --state STATE             only runs in this state: a type (COMPLETED, FAILED, RUNNING, …) or a
                            state name (Late, AwaitingRetry, …); repeat for several
  --upcoming                runs planned for later instead, soonest first
  --limit N                 at most N runs (default 20, up to 200)
${CONNECTION_USAGE}

${DELETE_USAGE}`;

async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'delete') return runsDelete(argv.slice(1));
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      flow: { type: 'string', multiple: true },
      deployment: { type: 'string' },
      state: { type: 'string', multiple: true },
      upcoming: { type: 'boolean' },
      limit: { type: 'string' },
    },
    strict: true,
  });
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new UsageError('--limit must be 1..200');
  const client = connect(values);
  const now = new Date().toISOString();
  const filter: FlowRunFilter = {
    operator: 'and_',
    expected_start_time: values.upcoming ? { after_: now } : { before_: now },
  };
  const state = stateFilter(values.state ?? []);
  if (state) filter.state = state;
  if (values.deployment) filter.deployment_id = { any_: [await deploymentId(client, values.deployment)] };
  const runs = await client.filterFlowRuns({
    flows: values.flow ? { name: { any_: values.flow } } : undefined,
    flow_runs: filter,
    sort: values.upcoming ? 'EXPECTED_START_TIME_ASC' : 'EXPECTED_START_TIME_DESC',
    limit,
  });
  if (runs.length === 0) {
    console.log('no flow runs');
    return 0;
  }
  const flowIds = [...new Set(runs.map((flowRun) => flowRun.flow_id))];
  const flows = await client.filterFlows({ flows: { id: { any_: flowIds } }, limit: 200 });
  const flowNames = new Map(flows.map((flow) => [flow.id, flow.name]));
  const rows = runs.map((flowRun) => [
    flowRun.id,
    flowRun.name,
    flowNames.get(flowRun.flow_id) ?? flowRun.flow_id,
    stateLabel(flowRun.state),
    dateTime(flowRun.expected_start_time),
    runDuration(flowRun),
  ]);
  console.log(table(['ID', 'NAME', 'FLOW', 'STATE', 'DUE', 'DURATION'], rows));
  return 0;
}

export const runsCommand: Command = {
  name: 'runs',
  summary: 'list flow runs',
  usage: USAGE,
  run,
};
