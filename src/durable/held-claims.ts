// The claims a work pool object holds open (long-polls) until runs are due for them or their wait
// ends, and the one line every claim, service and notice goes through so that no run is picked twice
// and no claim is answered twice.
import type { ClaimedFlowRun, ClaimResponse } from 'edgeflow/protocol';

/** Whose claim an answer is for: the agent, the claim it names across retries, the API's ticket. */
export interface ClaimIdentity {
  agent: string;
  claimId?: string;
  ticket?: string;
}

/** What the pool does for a held claim: pick runs for it, and shape its answer. */
export interface ClaimServer {
  takeRuns(agent: string, queues: string[] | undefined, limit: number): Promise<ClaimedFlowRun[]>;
  answer(claim: ClaimIdentity, runs: ClaimedFlowRun[]): ClaimResponse;
}

export interface HeldClaim extends ClaimIdentity {
  queues?: string[];
  limit: number;
  waitMs: number;
}

interface Waiter extends Omit<HeldClaim, 'waitMs'> {
  deadline: number;
  timer: ReturnType<typeof setTimeout> | null;
  answer: (response: ClaimResponse) => void;
}

export class HeldClaims {
  private waiters: Waiter[] = [];
  private exclusive: Promise<unknown> = Promise.resolve();
  private servePending = false;
  private serving: Promise<void> = Promise.resolve();

  constructor(private readonly server: ClaimServer) {}

  /** Claims, serving held claims and notices run one at a time: no run is picked twice. */
  serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(work, work);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  /** Holds a claim open; call it inside `serially`. The answer comes when runs are due or time is up. */
  hold(claim: HeldClaim): Promise<ClaimResponse> {
    return new Promise<ClaimResponse>((answer) => {
      const { waitMs, ...rest } = claim;
      const waiter: Waiter = { ...rest, deadline: Date.now() + waitMs, timer: null, answer };
      this.waiters.push(waiter);
      this.startTimer(waiter);
    });
  }

  /**
   * Ends the held claims `match` picks, empty: their client is gone (the claim was retried, abandoned
   * or released) and must never get runs. Inside `serially`.
   */
  endWhere(match: (claim: ClaimIdentity) => boolean): void {
    for (const held of this.waiters.filter(match)) this.resolve(held, []);
  }

  /**
   * Serves held claims in arrival order once; coalesces the many triggers that arrive together. The
   * promise settles when that service is done (never rejects).
   */
  serveSoon(): Promise<void> {
    if (this.waiters.length === 0) return Promise.resolve();
    if (this.servePending) return this.serving;
    this.servePending = true;
    this.serving = this.serially(async () => {
      this.servePending = false;
      for (const waiter of [...this.waiters]) {
        if (this.stopTimer(waiter)) continue;
        const runs = await this.server.takeRuns(waiter.agent, waiter.queues, waiter.limit);
        if (runs.length > 0) this.resolve(waiter, runs);
        else this.startTimer(waiter);
      }
    }).catch((error) => console.error('serving held claims failed', error));
    return this.serving;
  }

  /** A run of this agent became CANCELLING: a claim it holds open returns now to say so. */
  answerAgentNow(agent: string): void {
    void this.serially(async () => {
      for (const waiter of this.waiters.filter((w) => w.agent === agent)) this.resolve(waiter, []);
    });
  }

  /** The pool was deleted: every held claim ends empty. */
  answerAll(): void {
    void this.serially(async () => {
      for (const waiter of [...this.waiters]) this.resolve(waiter, []);
    });
  }

  private resolve(waiter: Waiter, runs: ClaimedFlowRun[]): void {
    this.stopTimer(waiter);
    this.waiters = this.waiters.filter((w) => w !== waiter);
    waiter.answer(this.server.answer(waiter, runs));
  }

  /** Pauses a waiter's timeout while it is being served; true when it had already timed out. */
  private stopTimer(waiter: Waiter): boolean {
    if (waiter.timer) clearTimeout(waiter.timer);
    waiter.timer = null;
    return !this.waiters.includes(waiter);
  }

  private startTimer(waiter: Waiter): void {
    const left = waiter.deadline - Date.now();
    const expire = () => {
      // Expiry goes through the same line as serving, so a waiter is never answered twice.
      void this.serially(async () => {
        if (this.waiters.includes(waiter)) this.resolve(waiter, []);
      });
    };
    if (left <= 0) expire();
    else waiter.timer = setTimeout(expire, left);
  }
}
