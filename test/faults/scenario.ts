// What every fault scenario shares: a server, a project holding the `work` flow, agents, runs of that
// flow, and at the end a drain and a verdict recorded as the scenario's row.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { type LocalServer, type ProcessGroup, startAgent, startServer, tempProject } from '../e2e/harness.ts';
import { type FaultEvent, readLedger, WORK_ENTRYPOINT, WORK_FLOW, type WorkParameters } from './ledger.ts';
import { recordRow } from './table.ts';
import { judge, readRuns, TERMINAL, type Verdict } from './verdict.ts';

export class FaultScenario {
  readonly name: string;
  readonly pool: string;
  readonly faults: FaultEvent[] = [];
  readonly runIds: string[] = [];
  readonly notes: string[] = [];
  readonly agents: ProcessGroup[] = [];
  server!: LocalServer;
  private project!: ReturnType<typeof tempProject>;
  private flowId = '';
  private readonly started = Date.now();
  readonly work: Omit<WorkParameters, 'ledger'>;

  constructor(name: string, work: Omit<WorkParameters, 'ledger'>) {
    this.name = name;
    this.pool = `faults-${name.replace(/\W+/g, '-')}`;
    this.work = work;
  }

  get ledger(): string {
    return join(this.project.dir, 'ledger.jsonl');
  }

  async start(): Promise<void> {
    [this.server, this.project] = await Promise.all([startServer(), tempProject(WORK_FLOW)]);
    this.flowId = (await this.server.client.createFlow({ name: 'work' })).id;
  }

  /** An agent on this scenario's pool; `apiUrl` points it elsewhere (a proxy). */
  async agent(name: string, args: string[] = [], apiUrl?: string): Promise<ProcessGroup> {
    const server = apiUrl ? { ...this.server, url: apiUrl } : this.server;
    const agent = await startAgent({ server, pool: this.pool, cwd: this.project.dir, name, args });
    this.agents.push(agent);
    return agent;
  }

  /** Creates `count` runs of the work flow, `width` requests at a time; retries enough to survive the faults. */
  async createRuns(count: number, width = 10): Promise<void> {
    for (let done = 0; done < count; done += width) {
      const batch = Math.min(width, count - done);
      const runs = await Promise.all(
        Array.from({ length: batch }, () =>
          this.server.client.createFlowRun({
            flow_id: this.flowId,
            work_pool_name: this.pool,
            entrypoint: WORK_ENTRYPOINT,
            parameters: { ledger: this.ledger, ...this.work },
            empirical_policy: { retries: 20, retry_delay: 0 },
          }),
        ),
      );
      this.runIds.push(...runs.map((run) => run.id));
    }
  }

  /** How many of the scenario's runs are not final yet, and in which states. */
  async openRuns(): Promise<{ count: number; states: string }> {
    const runs = await readRuns(this.server, this.runIds);
    const open = this.runIds
      .map((id) => runs.get(id))
      .filter((run) => !run || !TERMINAL.has(run.state_type ?? ''));
    const byState = new Map<string, number>();
    for (const run of open) {
      const state = run ? `${run.state_type} ${run.state_name}` : 'missing';
      byState.set(state, (byState.get(state) ?? 0) + 1);
    }
    return { count: open.length, states: [...byState].map(([state, n]) => `${n} ${state}`).join(', ') };
  }

  /**
   * Waits while runs keep finishing, until all are final, then judges them from the ledger and the API.
   * Runs still open when none has finished for `stallMs` count as lost.
   */
  async drainAndJudge(stallMs = 120_000): Promise<Verdict> {
    let fewest = Number.POSITIVE_INFINITY;
    let progressAt = Date.now();
    for (;;) {
      const open = await this.openRuns();
      if (open.count === 0) break;
      if (open.count < fewest) [fewest, progressAt] = [open.count, Date.now()];
      if (Date.now() - progressAt > stallMs) {
        this.notes.push(
          `${open.count} runs still open after ${stallMs / 1000} s in which none finished: ${open.states}`,
        );
        break;
      }
      await sleep(500);
    }
    const verdict = await judge(this.server, this.runIds, readLedger(this.ledger), this.faults, this.work);
    this.notes.push(
      `${verdict.runs} runs, ${verdict.executions} executions, ${verdict.reruns} re-runs after a fault cut one short`,
    );
    return verdict;
  }

  record(verdict: Verdict, extra: { requests?: number } = {}): void {
    recordRow({
      scenario: this.name,
      ...extra,
      runsLost: verdict.lost.length,
      duplicateExecutions: verdict.duplicates.length,
      badReports: verdict.badReports.length,
      seconds: (Date.now() - this.started) / 1000,
      findings: [
        ...verdict.lost.map((line) => `lost: ${line}`),
        ...verdict.duplicates.map((line) => `duplicate: ${line}`),
        ...verdict.badReports.map((line) => `report: ${line}`),
      ],
      notes: this.notes,
    });
  }

  /** The agents' last lines, for a failure message. */
  tails(lines = 15): string {
    return this.agents
      .slice(-3)
      .map((agent) => agent.output.split('\n').slice(-lines).join('\n'))
      .join('\n---\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.agents.map((agent) => agent.stop('SIGKILL', 1_000)));
    await this.server?.stop();
    this.project?.remove();
  }
}

/** The assertions every fault scenario makes: nothing lost, nothing run twice, reports whole. */
export function expectNothingLostOrDuplicated(verdict: Verdict): void {
  expect(verdict.lost, 'runs lost').toEqual([]);
  expect(verdict.duplicates, 'duplicate executions').toEqual([]);
  expect(verdict.badReports, 'reports lost or duplicated').toEqual([]);
}
