// After a fault scenario: was any run lost, any run executed twice, any report lost or recorded twice?
import type { FlowRun, Log, State, TaskRun } from '../../worker-agent/src/protocol/index.ts';
import type { LocalServer } from '../e2e/harness.ts';
import type { Execution, FaultEvent } from './ledger.ts';

export interface Verdict {
  runs: number;
  executions: number;
  /** Executions after one a fault cut short: expected, and counted apart from duplicates. */
  reruns: number;
  lost: string[];
  duplicates: string[];
  badReports: string[];
}

export const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED']);

function chunks<T>(list: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(list.length / size) }, (_, index) =>
    list.slice(index * size, (index + 1) * size),
  );
}

/** Runs `work` over `items`, `width` at a time. */
async function eachLimited<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

export async function readRuns(server: LocalServer, ids: string[]): Promise<Map<string, FlowRun>> {
  const out = new Map<string, FlowRun>();
  for (const chunk of chunks(ids, 200)) {
    const page = await server.client.filterFlowRuns({ flow_runs: { id: { any_: chunk } }, limit: 200 });
    for (const run of page) out.set(run.id, run);
  }
  return out;
}

/** Whether runs are all final: for waiting, never for a verdict by itself. */
export function allTerminal(runs: Map<string, FlowRun>, ids: string[]): boolean {
  return ids.every((id) => TERMINAL.has(runs.get(id)?.state_type ?? ''));
}

async function readLogs(server: LocalServer, ids: string[]): Promise<Map<string, Log[]>> {
  const out = new Map<string, Log[]>();
  for (const chunk of chunks(ids, 200)) {
    for (let offset = 0; ; offset += 200) {
      const page = await server.client.filterLogs({
        logs: { flow_run_id: { any_: chunk } },
        limit: 200,
        offset,
      });
      for (const log of page) out.set(log.flow_run_id, [...(out.get(log.flow_run_id) ?? []), log]);
      if (page.length < 200) break;
    }
  }
  return out;
}

/** Whether a fault that could cut `execution` short happened between its start and `until`. */
function interrupted(execution: Execution, until: number, faults: FaultEvent[]): boolean {
  return faults.some(
    (fault) =>
      fault.at >= execution.start - 1_000 &&
      fault.at <= until &&
      (fault.kind !== 'agent killed' || fault.pid === execution.agent),
  );
}

export async function judge(
  server: LocalServer,
  ids: string[],
  executions: Execution[],
  faults: FaultEvent[],
  expected: { tasks: number; logs: number },
): Promise<Verdict> {
  const verdict: Verdict = {
    runs: ids.length,
    executions: executions.length,
    reruns: 0,
    lost: [],
    duplicates: [],
    badReports: [],
  };
  const runs = await readRuns(server, ids);
  const logs = await readLogs(server, ids);
  const byRun = new Map<string, Execution[]>();
  for (const execution of executions)
    byRun.set(execution.run, [...(byRun.get(execution.run) ?? []), execution]);

  await eachLimited(ids, 8, async (id) => {
    const run = runs.get(id);
    const mine = (byRun.get(id) ?? []).sort((a, b) => a.start - b.start);
    if (!run) {
      verdict.lost.push(`${id}: the API no longer shows it`);
      return;
    }
    if (run.state_type !== 'COMPLETED') {
      verdict.lost.push(
        `${id}: ${run.state_type} ${run.state_name ?? ''} "${run.state?.message ?? ''}" after ${mine.length} executions (it had retries left)`,
      );
      return;
    }
    const finished = mine.filter((execution) => execution.end !== undefined);
    if (finished.length === 0) {
      verdict.lost.push(`${id}: COMPLETED, yet no execution of its body finished`);
      return;
    }
    const states: State[] = await server.client.readFlowRunStates(id);
    const completedAt = Date.parse(states.find((state) => state.type === 'COMPLETED')?.timestamp ?? '');
    const leases = mine.map((execution) => execution.lease).filter((lease) => lease !== null);
    if (new Set(leases).size < leases.length)
      verdict.duplicates.push(`${id}: one lease executed twice (${leases.join(', ')})`);
    for (let index = 1; index < mine.length; index++) {
      const [earlier, later] = [mine[index - 1]!, mine[index]!];
      if (earlier.end !== undefined && later.start < earlier.end) {
        verdict.duplicates.push(`${id}: executions overlapped (pids ${earlier.pid}, ${later.pid})`);
      } else if (earlier.end !== undefined && !interrupted(earlier, later.start, faults)) {
        verdict.duplicates.push(
          `${id}: ran again after a finished execution with no fault in between (pids ${earlier.pid}, ${later.pid})`,
        );
      } else {
        verdict.reruns++;
      }
      if (later.start > completedAt)
        verdict.duplicates.push(`${id}: an execution started after the run was COMPLETED`);
    }

    const completions = states.filter((state) => state.type === 'COMPLETED').length;
    if (completions !== 1) verdict.badReports.push(`${id}: COMPLETED recorded ${completions} times`);
    const tasks: TaskRun[] = await server.client.listTaskRuns(id);
    const names = tasks.map((task) => task.name).sort();
    const wanted = Array.from({ length: expected.tasks }, (_, index) => `step-${index}`).sort();
    if (names.join() !== wanted.join() || tasks.some((task) => task.state_type !== 'COMPLETED')) {
      verdict.badReports.push(
        `${id}: task runs ${tasks.map((task) => `${task.name}:${task.state_type}`).join(' ')}, expected ${wanted.length} COMPLETED`,
      );
    }
    const lease = finished[finished.length - 1]!.lease;
    const messages = (logs.get(id) ?? [])
      .map((log) => log.message)
      .filter((message) => message.startsWith('ledger '));
    const repeated = messages.filter((message, index) => messages.indexOf(message) !== index);
    const missing = Array.from({ length: expected.logs }, (_, index) => `ledger ${lease} ${index}`).filter(
      (message) => !messages.includes(message),
    );
    if (repeated.length > 0)
      verdict.badReports.push(
        `${id}: logs recorded twice: ${[...new Set(repeated)].join(' | ').slice(0, 200)}`,
      );
    if (missing.length > 0)
      verdict.badReports.push(
        `${id}: ${missing.length} of ${expected.logs} logs of the completing execution missing`,
      );
  });
  return verdict;
}
