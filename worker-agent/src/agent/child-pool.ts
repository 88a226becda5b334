// The agent's flow-run processes while they wait for a run: fresh ones pre-started (a claimed run then
// starts without paying for a cold `node` start), and warm ones that finished a run and wait for the
// next run of the same entrypoint (docs/agent.md, "Warm reuse").
import { type ChildSpawnOptions, FlowRunChild } from './flow-run-child.ts';
import { sameWarmKey, type WarmKey } from './warm-reuse.ts';

const RESPAWN_PAUSE_MS = 1_000;

interface WarmChild {
  child: FlowRunChild;
  key: WarmKey;
}

export interface ChildPoolSettings {
  /** Fresh processes kept started and idle. */
  prestart: number;
  /** Warm processes kept idle at most; the one idle longest goes first. 0: none are kept. */
  maxWarm: number;
}

export class ChildPool {
  readonly #options: ChildSpawnOptions;
  readonly #settings: ChildPoolSettings;
  /** Started children that have run nothing, oldest first; each is ready or becoming ready. */
  readonly #fresh: FlowRunChild[] = [];
  /** Warm children waiting for a run of their key, the one idle longest first. */
  #warm: WarmChild[] = [];
  #closed = false;

  constructor(options: ChildSpawnOptions, settings: ChildPoolSettings) {
    this.#options = {
      ...options,
      events: {
        ...options.events,
        // A fresh child that took a run is replaced once that run's flow function has started: booting a
        // process costs ~0.25 s of CPU, which would otherwise compete with the run's own start.
        started: (child, at) => {
          if (child.runs === 1) this.fill();
          options.events.started?.(child, at);
        },
      },
    };
    this.#settings = settings;
  }

  /** Starts children until `prestart` fresh ones are idle. */
  fill(): void {
    while (!this.#closed && this.#fresh.length < this.#settings.prestart) this.#spawn();
  }

  /**
   * A ready child for one run: a warm one that last ran a run of `key`, else a fresh one (a warm one
   * whose key no longer matches, its file changed or the package was upgraded, is ended).
   */
  async take(key: WarmKey | null = null): Promise<FlowRunChild> {
    if (this.#closed) throw new Error('the child pool is closed');
    if (key) {
      const stale = this.#warm.filter(
        (warm) => warm.key.entrypoint === key.entrypoint && !sameWarmKey(warm.key, key),
      );
      for (const warm of stale) this.#dropWarm(warm, { release: true });
      // The one idle shortest: its connections and caches are the warmest.
      const match = this.#warm.findLast((warm) => sameWarmKey(warm.key, key) && warm.child.alive);
      if (match) {
        this.#dropWarm(match, { release: false });
        return match.child;
      }
    }
    // Prefer one that is ready; else the oldest, which will be ready soonest; else a new one.
    const readyIndex = this.#fresh.findIndex((child) => child.isReady);
    const index = readyIndex >= 0 ? readyIndex : this.#fresh.length > 0 ? 0 : -1;
    const child = index >= 0 ? this.#fresh.splice(index, 1)[0]! : new FlowRunChild(this.#options);
    await child.ready;
    return child;
  }

  /** Keeps `child`, whose run just ended fit, for the next run of `key`. */
  keepWarm(child: FlowRunChild, key: WarmKey): void {
    if (this.#closed || this.#settings.maxWarm === 0) {
      child.release();
      return;
    }
    const warm = { child, key };
    this.#warm.push(warm);
    // One that dies while idle is dropped.
    void child.closed.then(() => this.#dropWarm(warm, { release: false }));
    while (this.#warm.length > this.#settings.maxWarm) this.#dropWarm(this.#warm[0]!, { release: true });
  }

  /** Ends every idle child and waits for them to exit. */
  async close(): Promise<void> {
    this.#closed = true;
    const idle = [...this.#fresh.splice(0), ...this.#warm.splice(0).map((warm) => warm.child)];
    for (const child of idle) child.release();
    await Promise.all(idle.map((child) => child.closed));
  }

  get idleCount(): number {
    return this.#fresh.length + this.#warm.length;
  }

  #dropWarm(warm: WarmChild, { release }: { release: boolean }): void {
    this.#warm = this.#warm.filter((other) => other !== warm);
    if (release) warm.child.release();
  }

  #spawn(): void {
    const child = new FlowRunChild(this.#options);
    this.#fresh.push(child);
    // A child that dies while idle is dropped and replaced; one that never got ready (a broken
    // install) is replaced after a pause, so a crash loop does not spin.
    child.closed.then(() => {
      const index = this.#fresh.indexOf(child);
      if (index < 0) return;
      this.#fresh.splice(index, 1);
      if (child.isReady) this.fill();
      else setTimeout(() => this.fill(), RESPAWN_PAUSE_MS).unref();
    });
  }
}
