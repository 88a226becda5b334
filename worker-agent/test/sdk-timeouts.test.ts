// The SDK's timeouts and signals without a server: a body's signal, what is left over when it ignores
// it, and the final state a process with leftovers hands to its agent (docs/sdk.md).
import { describe, expect, it } from 'vitest';
import { TimedOutError } from '../src/sdk/errors.ts';
import { nextHoldSeconds, parseDeploymentName } from '../src/sdk/run-deployment.ts';
import {
  cancelledBy,
  FlowRunCancelledError,
  finalWithLeftovers,
  graceSeconds,
  leftoverBodies,
  runGuarded,
  settleLeftovers,
} from '../src/sdk/timeouts.ts';

const timedOut = () => new TimedOutError('Task run t-0', 0.05);

/** A promise and the function that settles it, for bodies the test ends itself. */
function gate(): { promise: Promise<void>; open(): void } {
  let open = () => {};
  const promise = new Promise<void>((done) => {
    open = done;
  });
  return { promise, open };
}

/** A body that hands its signal to `onSignal` and rejects once that signal aborts. */
function rejectingOnAbort(onSignal: (signal: AbortSignal) => void) {
  return ({ signal }: { signal: AbortSignal }) =>
    new Promise<never>((_, reject) => {
      onSignal(signal);
      signal.addEventListener('abort', () => reject(new Error('aborted by signal')));
    });
}

describe('runGuarded', () => {
  it('aborts the body signal at its timeout and rejects with the timeout error', async () => {
    let seen: AbortSignal | undefined;
    const running = runGuarded(
      rejectingOnAbort((signal) => {
        seen = signal;
      }),
      { seconds: 0.05, timeoutError: timedOut, what: 'Task run t-0' },
    );
    await expect(running).rejects.toThrow('exceeded its timeout');
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(TimedOutError);
  });

  it('stops with its parent signal, with the parent reason', async () => {
    const parent = new AbortController();
    const body = gate();
    const running = runGuarded(() => body.promise, {
      seconds: undefined,
      timeoutError: timedOut,
      parent: parent.signal,
      what: 'x',
    });
    parent.abort(new FlowRunCancelledError('cancelled from the API'));
    await expect(running).rejects.toBeInstanceOf(FlowRunCancelledError);
    body.open();
    await settleLeftovers(0);
  });

  it('does not wait for a body that ignores its signal, and tracks it as left over until it settles', async () => {
    const body = gate();
    const running = runGuarded(() => body.promise, {
      seconds: 0.02,
      timeoutError: timedOut,
      what: 'Task run ignoring-0',
      grace: 60,
    });
    await expect(running).rejects.toBeInstanceOf(TimedOutError);
    expect(leftoverBodies().map((left) => left.what)).toContain('Task run ignoring-0');
    body.open();
    await settleLeftovers(60);
    expect(leftoverBodies()).toEqual([]);
  });

  it('tells the run when a body is still running past the grace period', async () => {
    const body = gate();
    const ignored = new Promise<Error>((done) => {
      void runGuarded(() => body.promise, {
        seconds: 0.02,
        timeoutError: timedOut,
        what: 'Task run stubborn-0',
        grace: 0.02,
        onIgnored: done,
      }).catch(() => undefined);
    });
    const error = await ignored;
    expect(error.name).toBe('TimedOutError');
    expect(error.message).toContain('Task run stubborn-0');
    expect((await settleLeftovers(0.02)).map((left) => left.what)).toEqual(['Task run stubborn-0']);
    body.open();
    await settleLeftovers(60);
  });

  it('passes a value or error through untouched when nothing aborts', async () => {
    await expect(runGuarded(() => 42, { seconds: 10, timeoutError: timedOut, what: 'x' })).resolves.toBe(42);
    await expect(
      runGuarded(
        () => {
          throw new TypeError('bad');
        },
        { seconds: 10, timeoutError: timedOut, what: 'x' },
      ),
    ).rejects.toBeInstanceOf(TypeError);
  });
});

describe('runGuarded sharing its parent signal (a task without a timeout)', () => {
  const shared = (parent?: AbortSignal) => ({
    seconds: undefined,
    timeoutError: timedOut,
    parent,
    what: 'Task run t-0',
    grace: 60,
    shareParentSignal: true,
  });

  it('gives the body its parent signal itself and passes its value or error through', async () => {
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    const value = await runGuarded(({ signal }) => {
      seen = signal;
      return 42;
    }, shared(parent.signal));
    expect(value).toBe(42);
    expect(seen).toBe(parent.signal);
    await expect(
      runGuarded(() => Promise.reject(new Error('body failed')), shared(parent.signal)),
    ).rejects.toThrow('body failed');
    // Without any parent the body still gets a signal, one that never aborts.
    let orphan: AbortSignal | undefined;
    await runGuarded(({ signal }) => {
      orphan = signal;
    }, shared());
    expect(orphan?.aborted).toBe(false);
  });

  it('stops every running body with the parent, with its reason, and tracks the ones that ignore it', async () => {
    const parent = new AbortController();
    const ignoring = gate();
    const finished = await runGuarded(() => 'done before', shared(parent.signal));
    const running = [1, 2, 3].map(() => runGuarded(() => ignoring.promise, shared(parent.signal)));
    parent.abort(new FlowRunCancelledError('cancelled from the API'));
    for (const body of running) await expect(body).rejects.toBeInstanceOf(FlowRunCancelledError);
    expect(finished).toBe('done before');
    expect(leftoverBodies().filter((body) => body.what === 'Task run t-0')).toHaveLength(3);
    ignoring.open();
    await settleLeftovers(60);
    expect(leftoverBodies()).toEqual([]);
  });

  it('stops at once under a parent that had already aborted', async () => {
    const parent = new AbortController();
    parent.abort(new FlowRunCancelledError('cancelled before the task started'));
    const body = gate();
    await expect(runGuarded(() => body.promise, shared(parent.signal))).rejects.toBeInstanceOf(
      FlowRunCancelledError,
    );
    body.open();
    await settleLeftovers(60);
  });

  it('still aborts at a timeout when one is set', async () => {
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    const running = runGuarded(
      rejectingOnAbort((signal) => {
        seen = signal;
      }),
      { ...shared(parent.signal), seconds: 0.05 },
    );
    await expect(running).rejects.toBeInstanceOf(TimedOutError);
    expect(seen).not.toBe(parent.signal);
    expect(parent.signal.aborted).toBe(false);
  });
});

describe('signals and leftovers', () => {
  it('tells cancellation apart from a timeout by the signal reason', () => {
    const cancelled = new AbortController();
    cancelled.abort(new FlowRunCancelledError('stop'));
    const timedOutSignal = new AbortController();
    timedOutSignal.abort(timedOut());
    expect(cancelledBy(cancelled.signal)).toBe(true);
    expect(cancelledBy(timedOutSignal.signal)).toBe(false);
    expect(cancelledBy(undefined)).toBe(false);
  });

  it('reads the grace period from EDGEFLOW_TIMEOUT_GRACE_SECONDS, ignoring nonsense', () => {
    expect(graceSeconds({ EDGEFLOW_TIMEOUT_GRACE_SECONDS: '1.5' })).toBe(1.5);
    expect(graceSeconds({ EDGEFLOW_TIMEOUT_GRACE_SECONDS: 'soon' })).toBe(5);
    expect(graceSeconds({ EDGEFLOW_TIMEOUT_GRACE_SECONDS: '-1' })).toBe(5);
    expect(graceSeconds({})).toBe(5);
  });

  it('turns any final state into FAILED TimedOut naming what would not stop', () => {
    const leftovers = [{ what: 'Task run stubborn-0', since: 0, settled: Promise.resolve() }];
    const completed = finalWithLeftovers({ type: 'COMPLETED', name: 'Completed' }, leftovers, 5);
    expect(completed).toMatchObject({ type: 'FAILED', name: 'TimedOut' });
    expect(completed.message).toBe(
      "Still running after the grace period (5 s): Task run stubborn-0; the agent ended the flow run's process.",
    );
    const failed = finalWithLeftovers(
      { type: 'FAILED', name: 'TimedOut', message: 'Flow run x timed out.' },
      leftovers,
      5,
    );
    expect(failed.message).toMatch(/^Flow run x timed out\. Still running/);
  });
});

describe('runDeployment, without a server', () => {
  it('takes "flow/deployment" and refuses anything else', () => {
    expect(parseDeploymentName('etl/nightly')).toEqual({ flow: 'etl', deployment: 'nightly' });
    expect(parseDeploymentName('etl/nightly/eu')).toEqual({ flow: 'etl', deployment: 'nightly/eu' });
    for (const bad of ['etl', '/nightly', 'etl/']) expect(() => parseDeploymentName(bad)).toThrow(TypeError);
  });

  it('holds each wait for what is left of the timeout, at most 20 s, and 0 once it is up', () => {
    expect(nextHoldSeconds(Number.POSITIVE_INFINITY, 0)).toBe(20);
    expect(nextHoldSeconds(5_500, 0)).toBe(6);
    expect(nextHoldSeconds(1_000, 1_000)).toBe(0);
    expect(nextHoldSeconds(1_000, 2_000)).toBe(0);
  });
});
