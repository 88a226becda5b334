// Inside a flow-run process: whether it may take another run after the one it just ran, or must exit
// (docs/agent.md, "Warm reuse"). A run that left work running (a body that ignored its timeout) leaves it unfit.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { leftoverBodies } from '../sdk/timeouts.ts';
import type { ChildOutcome } from './ipc.ts';

/** Counts of each kind of resource keeping the event loop alive ("Timeout", "TCPSocketWrap", …). */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

export class ChildFitness {
  /**
   * What the process holds while it waits for a run (its IPC channel, stdout and stderr), not a run's
   * leftover. The standard streams open on first use: open them now, so that a run that printed
   * does not seem to have left a pipe open.
   */
  readonly #idle = (() => {
    void [process.stdout, process.stderr];
    return activeResources();
  })();
  readonly #cwd = process.cwd();
  /** Call as a run begins. */
  runStarts(): void {}

  /**
   * Null when the process may run again; else why not. `settled` is work of the process itself that
   * may still hold resources (its warm-up), awaited first so that it does not count against the run.
   */
  async afterRun(outcome: ChildOutcome, settled: Promise<unknown>): Promise<string | null> {
    if (outcome.kind !== 'final') return `the run ended ${outcome.kind.replace('_', ' ')}`;
    // A body that stopped when told (its signal) leaves nothing behind; one still running does.
    const leftover = leftoverBodies()[0];
    if (leftover) return `${leftover.what} was told to stop and is still running`;
    await settled;
    // Handles the run closed just before it returned (a socket ended, a server closed) go in the next turns.
    await nextTurn();
    await nextTurn();
    const left: string[] = [];
    for (const [kind, count] of activeResources()) {
      const extra = count - (this.#idle.get(kind) ?? 0);
      if (extra > 0) left.push(extra > 1 ? `${extra} ${kind}` : kind);
    }
    if (left.length > 0) return `it left work running (${left.join(', ')})`;
    if (process.cwd() !== this.#cwd) return 'it changed the working directory';
    return null;
  }
}
