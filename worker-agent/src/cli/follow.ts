// Follows a flow run live: its states, task progress and logs, polled every few hundred
// milliseconds (each poll is one read of the run and one log page), until the run ends.
import { setTimeout as sleep } from 'node:timers/promises';
import type { EdgeflowClient } from '../client/index.ts';
import { type FlowRun, isTerminal, type Log, type StateType } from '../protocol/index.ts';
import { clock, logLine, stateLabel, stateLine } from './format.ts';

const POLL_MS = 400;
/** Task counts cost four small queries; they are refreshed every this many polls. */
const TASK_POLLS = 3;
const LOG_PAGE = 200;

export interface FollowOptions {
  states: boolean;
  tasks: boolean;
  logs: boolean;
  print(line: string): void;
}

/** Every log of the run with an id above `after`, oldest first, and the new cursor. */
export async function logsAfter(
  client: EdgeflowClient,
  flowRunId: string,
  after: number,
): Promise<{ logs: Log[]; cursor: number }> {
  const found = new Map<number, Log>();
  for (let offset = 0; ; offset += LOG_PAGE) {
    const page = await client.filterLogs({
      logs: { flow_run_id: { any_: [flowRunId] }, id: { gt_: after } },
      sort: 'TIMESTAMP_ASC',
      limit: LOG_PAGE,
      offset,
    });
    for (const log of page) found.set(log.id, log);
    if (page.length < LOG_PAGE) break;
  }
  const logs = [...found.values()].sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.id - b.id);
  return { logs, cursor: Math.max(after, ...logs.map((log) => log.id)) };
}

const TASK_GROUPS: [label: string, types: StateType[]][] = [
  ['completed', ['COMPLETED']],
  ['running', ['RUNNING']],
  ['failed', ['FAILED', 'CRASHED']],
];

/** `5 total: 3 completed, 1 running, 1 waiting`, or null while the run has no task runs. */
async function taskSummary(client: EdgeflowClient, flowRunId: string): Promise<string | null> {
  const of = (types?: StateType[]) =>
    client.countTaskRuns({
      task_runs: {
        flow_run_id: { any_: [flowRunId] },
        ...(types ? { state: { type: { any_: types } } } : {}),
      },
    });
  const [total, ...counts] = await Promise.all([of(), ...TASK_GROUPS.map(([, types]) => of(types))]);
  if (total === 0) return null;
  const parts = TASK_GROUPS.map(([label], i) => [label, counts[i]!] as const);
  const waiting = total - counts.reduce((sum, count) => sum + count, 0);
  if (waiting > 0) parts.push(['waiting', waiting]);
  const described = parts.filter(([, count]) => count > 0).map(([label, count]) => `${count} ${label}`);
  return `${total} total: ${described.join(', ')}`;
}

/**
 * Prints what `options` asks for as it happens, then how the run ended; resolves with the run once it
 * is in a terminal state.
 */
export async function followRun(
  client: EdgeflowClient,
  flowRunId: string,
  options: FollowOptions,
): Promise<FlowRun> {
  const printedStates = new Set<string>();
  let lastStateId: string | null = null;
  let logCursor = 0;
  let lastTasks: string | null = null;
  for (let poll = 0; ; poll++) {
    const run = await client.readFlowRun(flowRunId);
    const done = isTerminal(run.state_type);
    // What this poll found, printed in time order: a state and the logs around it interleave right.
    const found: { at: string; line: string }[] = [];
    const started = run.state_type !== 'SCHEDULED' && run.state_type !== 'PENDING';
    if (options.tasks && started && (done || poll % TASK_POLLS === 0)) {
      const summary = await taskSummary(client, flowRunId);
      // At the end, the tally goes just before the final state.
      const at = done && run.state ? run.state.timestamp : new Date().toISOString();
      if (summary && summary !== lastTasks) found.push({ at, line: `${clock(at)}  tasks    ${summary}` });
      lastTasks = summary ?? lastTasks;
    }
    if (options.states && run.state_id !== lastStateId) {
      lastStateId = run.state_id;
      // The history, not just the current state: a quick run passes states between two polls.
      for (const state of await client.readFlowRunStates(flowRunId)) {
        if (printedStates.has(state.id)) continue;
        printedStates.add(state.id);
        found.push({ at: state.timestamp, line: stateLine(state) });
      }
    }
    // Logs after states: a run's logs are stored before its final state, so a final state read above
    // has all its logs in this read (read first, a last log could land after it and print after it).
    if (options.logs) {
      const { logs, cursor } = await logsAfter(client, flowRunId, logCursor);
      logCursor = cursor;
      for (const log of logs) found.push({ at: log.timestamp, line: logLine(log) });
    }
    found.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    for (const { line } of found) options.print(line);
    if (done) {
      options.print(`flow run ${run.name} ended ${stateLabel(run.state)}`);
      return run;
    }
    await sleep(POLL_MS);
  }
}
