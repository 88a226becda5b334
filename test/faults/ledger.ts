// The fault scenarios' flow and its ledger: each execution appends a line when it starts and when its
// body ends, so executions are counted by the flows themselves, not by what the server says happened.
import { existsSync, readFileSync } from 'node:fs';
import { SDK_URL } from '../e2e/harness.ts';

/** Parameters of the `work` flow. */
export interface WorkParameters {
  ledger: string;
  /** Task runs each execution reports. */
  tasks: number;
  /** Log lines each execution sends. */
  logs: number;
  /** Milliseconds each task sleeps. */
  ms: number;
}

export const WORK_ENTRYPOINT = 'flows/work.ts:work';

/** The flow file, for `tempProject`. */
export const WORK_FLOW = {
  'flows/work.ts': `
import { appendFileSync } from 'node:fs';
import { currentRun, flow, getRunLogger, task } from '${SDK_URL}';

const step = task(async (index: number, ms: number) => {
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  return index;
}, { name: 'step' });

export const work = flow(async ({ ledger, tasks, logs, ms }: { ledger: string; tasks: number; logs: number; ms: number }) => {
  const run = currentRun()!;
  const mark = (phase: string) =>
    appendFileSync(ledger, JSON.stringify({
      phase, run: run.flowRun.id, lease: run.leaseId ?? null, pid: process.pid, agent: process.ppid, at: Date.now(),
    }) + '\\n');
  mark('start');
  for (let index = 0; index < tasks; index++) await step(index, ms);
  const logger = getRunLogger();
  for (let index = 0; index < logs; index++) logger.info(\`ledger \${run.leaseId} \${index}\`);
  mark('end');
  return 'done';
}, { name: 'work' });
`,
};

export interface Execution {
  run: string;
  lease: string | null;
  pid: number;
  /** The agent process that ran it (the flow process's parent). */
  agent: number;
  start: number;
  /** When the body finished; absent when the execution was cut short. */
  end?: number;
}

export function readLedger(path: string): Execution[] {
  if (!existsSync(path)) return [];
  const executions = new Map<string, Execution>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const mark = JSON.parse(line) as Omit<Execution, 'start' | 'end'> & { phase: string; at: number };
    const key = `${mark.run} ${mark.lease} ${mark.pid}`;
    if (mark.phase === 'start') {
      // The same lease started twice in one process would be a repeat of that key: keep both apart.
      const unique = executions.has(key) ? `${key} ${mark.at}` : key;
      executions.set(unique, {
        run: mark.run,
        lease: mark.lease,
        pid: mark.pid,
        agent: mark.agent,
        start: mark.at,
      });
    } else {
      const execution = executions.get(key);
      if (execution) execution.end = mark.at;
    }
  }
  return [...executions.values()];
}

/** A fault the scenario injected, and when: executions it cut short may legitimately run again. */
export interface FaultEvent {
  at: number;
  kind: 'agent killed' | 'server killed' | 'connection cut';
  /** The agent killed, for `agent killed`. */
  pid?: number;
}
