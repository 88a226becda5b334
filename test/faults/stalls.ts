// Requests that stall the server: a slow /api/health probe, confirmed by replaying the request alone,
// and hangs, after which the server is restarted so the fuzz can go on.
import { DEV_KEY, type LocalServer } from '../e2e/harness.ts';
import type { FuzzCase, RequestSpec } from './generate.ts';
import { label } from './openapi.ts';
import { HealthMonitor, healthy, type Outcome, send } from './send.ts';

const BUSY_MS = 1_000;

export interface StallCounts {
  requests: number;
  /** Requests that got no answer while the server still answered /api/health. */
  unanswered: number;
  /** Confirmed stalls and hangs. */
  slow: number;
  hangs: number;
  /** Requests in flight when a hung server was restarted: not counted as requests. */
  cutByRestart: number;
}

type Note = (kind: string, item: FuzzCase, detail: string) => void;

export class StallWatch {
  readonly monitor: HealthMonitor;
  /** Requests that needed more than a second once but not when replayed: the machine, not the server. */
  readonly unconfirmed: string[] = [];
  private readonly server: LocalServer;
  private readonly counts: StallCounts;
  private readonly note: Note;
  private readonly busyRoutes = new Set<string>();
  /** Set while the hung server restarts. */
  private restarting: Promise<void> | null = null;
  /** Set while a slow request is replayed, so the replay has the server to itself. */
  private gate: Promise<void> | null = null;

  constructor(server: LocalServer, counts: StallCounts, note: Note) {
    this.server = server;
    this.counts = counts;
    this.note = note;
    this.monitor = new HealthMonitor(() => server.url);
  }

  /** Resolves when a request may be sent: no restart or replay under way. */
  async ready(): Promise<void> {
    await this.restarting;
    while (this.gate) await this.gate;
  }

  /** Judges an answer (or its absence) sent at `from`, with `inFlight` the requests sent meanwhile. */
  async check(item: FuzzCase, spec: RequestSpec, outcome: Outcome, from: number, inFlight: string[]) {
    const busiest = this.monitor.worstLatency(from, performance.now());
    if (outcome.status === 0) await this.noAnswer(item, outcome, inFlight);
    else if (busiest > BUSY_MS) await this.confirmBusy(item, spec, busiest);
  }

  /**
   * No answer: if /api/health does not answer either, the server hung, and every request in flight is
   * a suspect; it is restarted, and requests cut off by that restart count for nothing.
   */
  private async noAnswer(item: FuzzCase, outcome: Outcome, inFlight: string[]): Promise<void> {
    if (!this.restarting && (await healthy(this.server.url, 5_000))) {
      this.counts.unanswered++;
      this.note('no answer', item, outcome.error ?? '');
      return;
    }
    if (this.restarting) {
      this.counts.requests--;
      this.counts.cutByRestart++;
    } else {
      this.counts.hangs++;
      this.counts.slow++;
      const waited = Math.round(outcome.ms);
      const suspects = inFlight.join(' | ');
      this.note(
        'server hung',
        item,
        `no answer in ${waited} ms, nor from /api/health; restarted (in flight: ${suspects})`,
      );
      this.restarting = this.server.restart({ signal: 'SIGKILL' }).finally(() => {
        this.restarting = null;
      });
    }
    await this.restarting;
  }

  private async confirmBusy(item: FuzzCase, spec: RequestSpec, busiest: number): Promise<void> {
    while (this.gate) await this.gate;
    let release = () => {};
    this.gate = new Promise((done) => {
      release = done;
    });
    try {
      await this.replay(item, spec, busiest);
    } finally {
      this.gate = null;
      release();
    }
  }

  /** Replayed twice alone, the request counts as a stall when both replays stall /api/health too. */
  private async replay(item: FuzzCase, spec: RequestSpec, busiest: number): Promise<void> {
    // A route already confirmed is not replayed again: each replay costs seconds of a stalled server.
    if (this.busyRoutes.has(label(item.operation))) {
      this.counts.slow++;
      this.note('busy > 1 s', item, `/api/health waited ${Math.round(busiest)} ms (route already confirmed)`);
      return;
    }
    const replays: number[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!(await healthy(this.server.url, 30_000))) break;
      const from = performance.now();
      await send(this.server.url, spec, DEV_KEY, 60_000);
      replays.push(this.monitor.worstLatency(from, performance.now()));
      this.counts.requests++;
    }
    const description = `/api/health waited ${Math.round(busiest)} ms, replays ${replays.map(Math.round).join(', ')} ms`;
    if (replays.length === 2 && replays.every((ms) => ms > BUSY_MS)) {
      this.busyRoutes.add(label(item.operation));
      this.counts.slow++;
      this.note('busy > 1 s', item, description);
    } else {
      this.unconfirmed.push(`${label(item.operation)} with ${item.what}: ${description}`);
    }
  }
}
