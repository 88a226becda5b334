// Sends fuzz cases and judges each answer; refused requests are sent again between snapshots, where
// they must leave the API as it was.
import { appendFileSync } from 'node:fs';
import { DEV_KEY, type LocalServer } from '../e2e/harness.ts';
import { createdPaths, readBackTarget, secretShownIn } from './created.ts';
import type { Fixtures, FuzzCase, RequestSpec } from './generate.ts';
import type { LeakWatch } from './leaks.ts';
import { label } from './openapi.ts';
import { type Outcome, send } from './send.ts';
import { differences, type Snapshot, SnapshotReader } from './snapshot.ts';
import { StallWatch } from './stalls.ts';

export interface Sent {
  item: FuzzCase;
  spec: RequestSpec;
  outcome: Outcome;
}

/** FAULTS_TRACE=<file>: every request sent, one line each, as it is answered (to replay a hang). */
const TRACE = process.env.FAULTS_TRACE;

/** Hangs past the schedule cases' budget after which every case is skipped. */
const MORE_HANGS_BEFORE_STOPPING = 2;

const accepted = (sent: Sent) => sent.outcome.status >= 200 && sent.outcome.status < 300;
/** Refused, or never answered: either way the request must have changed nothing. */
const refused = (sent: Sent) => sent.outcome.status >= 400 || sent.outcome.status === 0;

export class FuzzRunner {
  readonly counts = {
    requests: 0,
    status2xx: 0,
    status4xx: 0,
    status5xx: 0,
    unanswered: 0,
    partialWrites: 0,
    roundTrip: 0,
    slow: 0,
    leaks: 0,
    hangs: 0,
    /** Schedule cases skipped once the hang budget was spent. */
    skipped: 0,
    /** Cases of any kind skipped once the server had hung too often to go on. */
    skippedAfterHangs: 0,
    cutByRestart: 0,
  };
  readonly findings: string[] = [];
  readonly stalls: StallWatch;
  /** Refused requests not yet sent between two snapshots with no accepted request among them. */
  private recheck: FuzzCase[] = [];
  private readonly snapshots: SnapshotReader;
  private readonly server: LocalServer;
  private readonly fixtures: () => Fixtures;
  private readonly leaks: LeakWatch;
  private readonly hangBudget: number;
  private readonly inFlight = new Set<FuzzCase>();
  private readonly started = performance.now();
  private readonly spent = { snapshots: 0, requests: 0 };

  constructor(server: LocalServer, fixtures: () => Fixtures, leaks: LeakWatch, hangBudget: number) {
    this.server = server;
    this.fixtures = fixtures;
    this.leaks = leaks;
    this.hangBudget = hangBudget;
    this.snapshots = new SnapshotReader(server.url, DEV_KEY);
    this.stalls = new StallWatch(server, this.counts, (kind, item, detail) => this.note(kind, item, detail));
  }

  private note(kind: string, item: FuzzCase, detail: string): void {
    const finding = `${kind}: ${label(item.operation)} with ${item.what}${detail ? ` — ${detail}` : ''}`;
    this.findings.push(finding);
    // Printed as found too: a run that is cut short (CI's limit) still says what it found.
    console.log(`fuzz finding: ${finding.slice(0, 600)}`);
  }

  async snapshot(): Promise<Snapshot> {
    const from = performance.now();
    const snapshot = await this.snapshots.read();
    this.spent.snapshots += performance.now() - from;
    return snapshot;
  }

  /** Sends one case, counts its answer, and checks the server stayed responsive and nothing leaked. */
  async exec(item: FuzzCase): Promise<Sent | null> {
    if (item.tag === 'schedule-bomb' && this.counts.hangs >= this.hangBudget) {
      this.counts.skipped++;
      return null;
    }
    // A server that keeps hanging would spend the whole run on timeouts and restarts: its findings
    // so far say enough, and the rest is skipped (and counted).
    if (this.counts.hangs >= this.hangBudget + MORE_HANGS_BEFORE_STOPPING) {
      this.counts.skippedAfterHangs++;
      return null;
    }
    await this.stalls.ready();
    const spec = item.build(this.fixtures());
    const from = performance.now();
    this.inFlight.add(item);
    const inFlight = [...this.inFlight].map((other) => `${label(other.operation)} with ${other.what}`);
    const outcome = await send(this.server.url, spec, DEV_KEY, item.tag === 'huge' ? 60_000 : 20_000);
    this.inFlight.delete(item);
    if (TRACE)
      appendFileSync(
        TRACE,
        `${new Date().toISOString()} ${outcome.status} ${Math.round(outcome.ms)}ms ${spec.method} ${spec.path.slice(0, 160)} — ${item.what}\n`,
      );
    this.spent.requests += outcome.ms;
    this.counts.requests++;
    const sent = { item, spec, outcome };
    if (accepted(sent)) this.counts.status2xx++;
    else if (outcome.status >= 400 && outcome.status < 500) this.counts.status4xx++;
    else if (outcome.status >= 500) {
      this.counts.status5xx++;
      this.note(String(outcome.status), item, outcome.text.slice(0, 160));
    }
    const shown = accepted(sent) ? secretShownIn(outcome.text) : undefined;
    const leak = this.leaks.inResponse(outcome.text, shown);
    if (leak) {
      this.counts.leaks++;
      this.note('leak', item, leak);
    }
    if (shown) this.leaks.remember(shown);
    await this.stalls.check(item, spec, outcome, from, inFlight);
    if (accepted(sent) && spec.method === 'DELETE') await this.checkGone(item, spec, outcome);
    if (accepted(sent)) {
      await this.checkRoundTrip(item, spec, outcome);
      // Undone at once, so the snapshots (which read each pool's queues) stay as cheap as at the start.
      for (const path of createdPaths(spec, outcome.text))
        await send(this.server.url, { method: 'DELETE', path, headers: {} }, DEV_KEY);
    }
    if (this.counts.requests % 250 === 0) this.progress();
    return sent;
  }

  private progress(): void {
    const { requests, status2xx, status4xx, status5xx, partialWrites } = this.counts;
    const [total, sending, snapshots] = [
      performance.now() - this.started,
      this.spent.requests,
      this.spent.snapshots,
    ].map((ms) => Math.round(ms / 1000));
    console.log(
      `fuzz: ${requests} requests in ${total} s (${sending} s sending, ${snapshots} s in snapshots; 2xx ${status2xx}, 4xx ${status4xx}, 5xx ${status5xx}, partial writes ${partialWrites})`,
    );
  }

  /** A delete that says it deleted: the object is gone (all or nothing, as for refusals). */
  private async checkGone(item: FuzzCase, spec: RequestSpec, outcome: Outcome): Promise<void> {
    const read = await send(this.server.url, { method: 'GET', path: spec.path, headers: {} }, DEV_KEY);
    // Some objects have no GET of their own (a schedule): the route then answers 404 or 405 either way.
    if (read.status === 200) {
      this.counts.partialWrites++;
      this.note(
        'partial write',
        item,
        `answered ${outcome.status}, yet GET ${spec.path.slice(0, 80)} still answers 200`,
      );
    }
  }

  /** An accepted create must be readable by the name it was given, and hold that name. */
  private async checkRoundTrip(item: FuzzCase, spec: RequestSpec, outcome: Outcome): Promise<void> {
    const target = readBackTarget(spec, outcome.text);
    if (!target) return;
    if (target.path === null) {
      this.counts.roundTrip++;
      this.note('round-trip', item, `accepted a name no URL can address: ${JSON.stringify(target.name)}`);
      return;
    }
    const read = await send(this.server.url, { method: 'GET', path: target.path, headers: {} }, DEV_KEY);
    let name: unknown;
    try {
      name = (JSON.parse(read.text) as { name?: unknown }).name;
    } catch {
      name = undefined;
    }
    if (read.status !== 200 || name !== target.name) {
      this.counts.roundTrip++;
      const [got, sent] = [JSON.stringify(name)?.slice(0, 60), JSON.stringify(target.name).slice(0, 60)];
      this.note(
        'round-trip',
        item,
        `GET ${target.path.slice(0, 80)} answered ${read.status}, name ${got} for ${sent}`,
      );
    }
  }

  /**
   * Sends `items` without snapshots, `concurrency` at a time (nearly every batch of generated cases
   * holds an accepted request, which voids its snapshots anyway); refused ones are kept for `verify`.
   */
  async sweep(items: FuzzCase[], concurrency = 3): Promise<Sent[]> {
    const sent: Sent[] = [];
    const run = async (queue: FuzzCase[], width: number) => {
      const workers = Array.from({ length: width }, async () => {
        for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
          const result = await this.exec(item);
          if (!result) continue;
          sent.push(result);
          if (result.outcome.status >= 400) this.recheck.push(item);
        }
      });
      await Promise.all(workers);
    };
    // Huge bodies and schedule bombs go one at a time, so a stall has one suspect.
    await run(
      items.filter((item) => !item.tag),
      concurrency,
    );
    await run(
      items.filter((item) => item.tag),
      1,
    );
    return sent;
  }

  /**
   * Sends `items` in order between two snapshots: when none was accepted, nothing may have changed.
   * A batch that holds an accepted request keeps its refused ones for another batch.
   */
  async batch(items: FuzzCase[]): Promise<Sent[]> {
    const before = await this.snapshot();
    const sent: Sent[] = [];
    for (const item of items) {
      const result = await this.exec(item);
      if (result) sent.push(result);
    }
    if (sent.some(accepted)) {
      this.recheck.push(...sent.filter(refused).map((entry) => entry.item));
      return sent;
    }
    const changed = differences(before, await this.snapshot());
    if (changed.length > 0) {
      const culprits = await this.bisect(sent.filter(refused).map((entry) => entry.item));
      if (culprits === 0) {
        this.counts.partialWrites++;
        const list = sent.map(
          (entry) =>
            `${label(entry.item.operation)} with ${entry.item.what} → ${entry.outcome.status || 'no answer'}`,
        );
        this.findings.push(
          `partial write: requests none of which succeeded changed ${changed.slice(0, 3).join('; ').slice(0, 400)}; sent again they did not (${list.join(' | ').slice(0, 600)})`,
        );
      }
    }
    return sent;
  }

  /** Narrows a batch that changed something down to the requests that do, sending halves again. */
  private async bisect(items: FuzzCase[]): Promise<number> {
    if (items.length === 0) return 0;
    const before = await this.snapshot();
    const sent: Sent[] = [];
    for (const item of items) {
      const result = await this.exec(item);
      if (result) sent.push(result);
    }
    if (sent.some(accepted)) return 0;
    const changed = differences(before, await this.snapshot(), 3);
    if (changed.length === 0) return 0;
    if (items.length === 1) {
      this.counts.partialWrites++;
      this.note(
        'partial write',
        items[0]!,
        `answered ${sent[0]?.outcome.status} yet ${changed.join('; ').slice(0, 400)}`,
      );
      return 1;
    }
    const middle = Math.ceil(items.length / 2);
    return (await this.bisect(items.slice(0, middle))) + (await this.bisect(items.slice(middle)));
  }

  /**
   * Sends the refused requests again in batches of their own between snapshots, where they must
   * change nothing; a batch that now holds an accepted request sends its refused ones once more.
   */
  async verify(batchSize: number): Promise<void> {
    for (let round = 0; round < 2 && this.recheck.length > 0; round++) {
      const items = this.recheck;
      this.recheck = [];
      for (let index = 0; index < items.length; index += batchSize) {
        await this.batch(items.slice(index, index + batchSize));
      }
    }
  }
}
