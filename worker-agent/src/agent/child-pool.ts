// The agent's flow-run processes while they wait for a run: fresh ones pre-started (a claimed run then
// starts without paying for a cold `node` start), and warm ones that finished a run and wait for the
// next run of the same entrypoint (docs/agent.md, "Warm reuse").
import { type ChildSpawnOptions, FlowRunChild } from './flow-run-child.ts';
import { sameWarmKey, type WarmKey } from './warm-reuse.ts';

const RESPAWN_PAUSE_MS = 1_000;
/**
 * With warm reuse, the fresh processes a burst took are replaced once no run has needed a process for
 * this long: during a burst of one entrypoint its warm processes take the runs, and starting
 * replacements (~0.3 s of CPU each) would only compete with them and with the server.
 */
const REFILL_WHEN_QUIET_MS = 1_000;
/**
 * A run that waits while a process of its entrypoint is running another run waits this long before a
 * process is started for it: a warm one is usually free sooner than a new one is ready (~0.3 s of CPU),
 * and in a burst the starts would only compete with the runs.
 */
const SPAWN_GRACE_MS = 250;

interface WarmChild {
  child: FlowRunChild;
  key: WarmKey;
}

/** A run waiting for a process: served by the first fresh one to get ready, or a warm one of its key. */
interface Waiter {
  key: WarmKey | null;
  serve(child: FlowRunChild): void;
  fail(error: Error): void;
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
  /** Runs waiting for a process, first come first served. */
  #waiters: Waiter[] = [];
  /** Children running a run of a key: a run of that key waiting for a process may get one of them. */
  readonly #busy = new Map<FlowRunChild, WarmKey>();
  #refillTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ChildSpawnOptions, settings: ChildPoolSettings) {
    this.#options = {
      ...options,
      events: {
        ...options.events,
        // One process per run: a fresh child that took a run is replaced once that run's flow function
        // has started (booting a process costs ~0.3 s of CPU, which would otherwise compete with the
        // run's own start). With warm reuse, see REFILL_WHEN_QUIET_MS.
        started: (child, at) => {
          if (child.runs === 1 && !this.#reusing) this.fill();
          options.events.started?.(child, at);
        },
      },
    };
    this.#settings = settings;
  }

  /**
   * Starts children until `prestart` fresh ones are idle or starting, and at least one is starting for
   * each run that waits (runs wait only when no fresh one is ready). One started for a run that a warm
   * process serves first stays as one of the `prestart`: a burst starts no more processes than it must.
   */
  fill(): void {
    const target = Math.max(this.#settings.prestart, this.#waiters.length);
    while (!this.#closed && this.#fresh.length < target) this.#spawn();
  }

  /**
   * A ready child for a run: a warm one that last ran a run of `key`, else a fresh one that is ready.
   * Without either, the run waits for whichever comes first: a fresh one getting ready (one is started
   * for it), or a warm one of `key` finishing its run. In a burst, that is usually the warm one: a
   * process start costs far more than a run. A warm one whose key no longer matches (its file changed,
   * the package was upgraded) is ended.
   */
  async take(key: WarmKey | null = null): Promise<FlowRunChild> {
    const child = await this.#take(key);
    if (key && !this.#busy.has(child)) {
      this.#busy.set(child, key);
      void child.closed.then(() => this.#busy.delete(child));
    }
    return child;
  }

  #take(key: WarmKey | null): Promise<FlowRunChild> {
    if (this.#closed) return Promise.reject(new Error('the child pool is closed'));
    if (this.#reusing) this.#refillWhenQuiet();
    if (key) {
      const stale = this.#warm.filter(
        (warm) => warm.key.entrypoint === key.entrypoint && !sameWarmKey(warm.key, key),
      );
      for (const warm of stale) this.#dropWarm(warm, { release: true });
      // The one idle shortest: its connections and caches are the warmest.
      const match = this.#warm.findLast((warm) => sameWarmKey(warm.key, key) && warm.child.alive);
      if (match) {
        this.#dropWarm(match, { release: false });
        return Promise.resolve(match.child);
      }
    }
    const ready = this.#fresh.findIndex((child) => child.isReady);
    if (ready >= 0) return Promise.resolve(this.#fresh.splice(ready, 1)[0]!);
    return new Promise((serve, fail) => {
      this.#waiters.push({ key, serve, fail });
      const running = key !== null && [...this.#busy.values()].some((busy) => sameWarmKey(busy, key));
      if (!running) this.#spawnForWaiters();
      else setTimeout(() => this.#spawnForWaiters(), SPAWN_GRACE_MS).unref();
    });
  }

  /** Keeps `child`, whose run just ended fit, for the next run of `key` (or hands it to one waiting). */
  keepWarm(child: FlowRunChild, key: WarmKey): void {
    this.#busy.delete(child);
    if (this.#closed || this.#settings.maxWarm === 0) {
      child.release();
      return;
    }
    const waiter = this.#waiters.find((w) => w.key !== null && sameWarmKey(w.key, key));
    if (waiter) {
      this.#waiters = this.#waiters.filter((w) => w !== waiter);
      waiter.serve(child);
      return;
    }
    const warm = { child, key };
    this.#warm.push(warm);
    // One that dies while idle is dropped.
    void child.closed.then(() => this.#dropWarm(warm, { release: false }));
    while (this.#warm.length > this.#settings.maxWarm) this.#dropWarm(this.#warm[0]!, { release: true });
  }

  /** Ends every idle child and waits for them to exit; runs still waiting for one fail. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#refillTimer);
    for (const waiter of this.#waiters.splice(0)) waiter.fail(new Error('the child pool is closed'));
    const idle = [...this.#fresh.splice(0), ...this.#warm.splice(0).map((warm) => warm.child)];
    for (const child of idle) child.release();
    await Promise.all(idle.map((child) => child.closed));
  }

  get idleCount(): number {
    return this.#fresh.length + this.#warm.length;
  }

  /** Warm reuse is on: processes that finished a run may wait for the next. */
  get #reusing(): boolean {
    return this.#settings.maxWarm > 0;
  }

  /** One fresh child starting (or ready) for each run still waiting. */
  #spawnForWaiters(): void {
    while (!this.#closed && this.#fresh.length < this.#waiters.length) this.#spawn();
  }

  #refillWhenQuiet(): void {
    clearTimeout(this.#refillTimer);
    this.#refillTimer = setTimeout(() => this.fill(), REFILL_WHEN_QUIET_MS);
    this.#refillTimer.unref();
  }

  #dropWarm(warm: WarmChild, { release }: { release: boolean }): void {
    this.#warm = this.#warm.filter((other) => other !== warm);
    if (release) warm.child.release();
  }

  #spawn(): void {
    const child = new FlowRunChild(this.#options);
    this.#fresh.push(child);
    child.ready.then(
      () => {
        if (!this.#fresh.includes(child)) return;
        // Ready: the first run waiting takes it. Started for a run that a warm process served since,
        // it is one more than `prestart` asks for: ended.
        const waiter = this.#waiters.shift();
        if (waiter) {
          this.#fresh.splice(this.#fresh.indexOf(child), 1);
          waiter.serve(child);
        } else if (this.#fresh.length > this.#settings.prestart) {
          this.#fresh.splice(this.#fresh.indexOf(child), 1);
          child.release();
        }
      },
      // It died before it was ready (a broken install, say): it was never handed out, and the first
      // run waiting fails with that, as its own start would have.
      (error: Error) => this.#waiters.shift()?.fail(error),
    );
    // A child that dies while idle is dropped and replaced; one that never got ready is replaced
    // after a pause, so a crash loop does not spin.
    child.closed.then(() => {
      const index = this.#fresh.indexOf(child);
      if (index < 0) return;
      this.#fresh.splice(index, 1);
      if (child.isReady) this.fill();
      else setTimeout(() => this.fill(), RESPAWN_PAUSE_MS).unref();
    });
  }
}
