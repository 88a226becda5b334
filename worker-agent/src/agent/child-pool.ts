// Pre-started flow-run processes, so a claimed run starts without paying for a cold `node` start.
import { type ChildSpawnOptions, FlowRunChild } from './flow-run-child.ts';

const RESPAWN_PAUSE_MS = 1_000;

export class ChildPool {
  readonly #options: ChildSpawnOptions;
  readonly #size: number;
  /** Started children, oldest first; each is ready or becoming ready. */
  readonly #idle: FlowRunChild[] = [];
  #closed = false;

  /** `size` children are kept started and idle; a taken one is replaced at once. */
  constructor(options: ChildSpawnOptions, size: number) {
    this.#options = options;
    this.#size = size;
  }

  /** Starts children until `size` are idle. */
  fill(): void {
    while (!this.#closed && this.#idle.length < this.#size) this.#spawn();
  }

  /**
   * A ready child for one run. A new one takes its place once that run's flow function has started:
   * booting a process costs ~0.25 s of CPU, which would otherwise compete with the run's own start.
   */
  async take(): Promise<FlowRunChild> {
    if (this.#closed) throw new Error('the child pool is closed');
    // Prefer one that is ready; else the oldest, which will be ready soonest; else a new one.
    const readyIndex = this.#idle.findIndex((child) => child.isReady);
    const index = readyIndex >= 0 ? readyIndex : this.#idle.length > 0 ? 0 : -1;
    const child = index >= 0 ? this.#idle.splice(index, 1)[0]! : new FlowRunChild(this.#options);
    child.started.then(() => this.fill());
    await child.ready;
    return child;
  }

  /** Ends every idle child and waits for them to exit. */
  async close(): Promise<void> {
    this.#closed = true;
    const idle = this.#idle.splice(0);
    for (const child of idle) child.release();
    await Promise.all(idle.map((child) => child.closed));
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  #spawn(): void {
    const child = new FlowRunChild(this.#options);
    this.#idle.push(child);
    // A child that dies while idle is dropped and replaced; one that never got ready (a broken
    // install) is replaced after a pause, so a crash loop does not spin.
    child.closed.then(() => {
      const index = this.#idle.indexOf(child);
      if (index < 0) return;
      this.#idle.splice(index, 1);
      if (child.isReady) this.fill();
      else setTimeout(() => this.fill(), RESPAWN_PAUSE_MS).unref();
    });
  }
}
