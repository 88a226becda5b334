// A pre-started flow-run process: loads the SDK, waits for a run over IPC and runs it; then exits, or,
// when the agent asked it to stay and the run left it fit, waits for the next run (docs/agent.md, "Warm reuse").
import { readFileSync } from 'node:fs';
import { EdgeflowClient } from '../client/index.ts';
import { requestWritten } from '../client/node-http.ts';
import type { FlowRun, StateCreate } from '../protocol/index.ts';
import { type FlowDefinition, type LogRecord, runFlowRun } from '../sdk/index.ts';
import { FlowRunCancelledError, finalWithLeftovers, graceSeconds, settleLeftovers } from '../sdk/timeouts.ts';
import { ChildFitness } from './child-fitness.ts';
import { warmUp } from './child-warm-up.ts';
import { loadEntrypoint } from './entrypoint.ts';
import type { AgentToChild, ChildOutcome, ChildToAgent } from './ipc.ts';

/** How long the final state waits for the agent to ship earlier logs; a gone agent must not hang the run. */
const FLUSH_TIMEOUT_MS = 2_000;
/** The flow's import waits at most this long for the RUNNING proposal to be written. */
const REQUEST_WRITE_FALLBACK_MS = 20;

function send(message: ChildToAgent): Promise<void> {
  return new Promise((done) => {
    if (!process.connected) return done();
    process.send!(message, undefined, {}, () => done());
  });
}

// The agent is gone (killed, crashed): no one will report this run, so do not outlive it. It may have
// gone while this module's imports were loading, before the listener existed.
process.on('disconnect', () => process.exit(0));
if (!process.connected) process.exit(0);

const client = new EdgeflowClient({
  apiUrl: process.env.EDGEFLOW_API_URL ?? 'http://127.0.0.1:8787',
  apiKey: process.env.EDGEFLOW_API_KEY ?? '',
});
/** Entrypoints resolve from the directory the agent started this process in, whatever a run did to its own. */
const projectDir = process.cwd();
/** The edgeflow package this process loaded: a warm process is reused only while it is still the installed one. */
const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
/** Null for a URL that does not parse: then every request fails, and the import waits for the fallback. */
const apiOrigin = URL.canParse(client.apiUrl) ? new URL(client.apiUrl).origin : null;
const pendingFlushes = new Map<number, () => void>();
let nextFlushId = 1;

function flushLogs(): Promise<void> {
  const id = nextFlushId++;
  return new Promise((done) => {
    const timer = setTimeout(() => finish(), FLUSH_TIMEOUT_MS);
    const finish = () => {
      clearTimeout(timer);
      pendingFlushes.delete(id);
      done();
    };
    pendingFlushes.set(id, finish);
    void send({ type: 'flush', id });
  });
}

/**
 * Settles once this process's next request to the API has been written to its socket, or after
 * `fallbackMs`. A request is written a few event-loop turns after the call: work started on the next
 * turn (a module's compilation, several ms) would run first and hold the request back. Requests of
 * the warm-up, to its stand-in server, do not count.
 */
function nextRequestWritten(fallbackMs: number): Promise<void> {
  return new Promise((done) => {
    const written = (message: unknown) => {
      if (new URL((message as { url: string }).url).origin === apiOrigin) finish();
    };
    const timer = setTimeout(() => finish(), fallbackMs);
    const finish = () => {
      clearTimeout(timer);
      requestWritten.unsubscribe(written);
      done();
    };
    requestWritten.subscribe(written);
  });
}

/** The run in progress: aborted when the agent cancels it. */
let running: AbortController | null = null;

/**
 * Before the final state: when code of the run still runs past its grace period, this process hands
 * the final state to the agent and exits, so nothing of the run runs after its end.
 */
async function handOverIfLeftover(final: StateCreate, flushReports: () => Promise<void>): Promise<void> {
  const grace = graceSeconds();
  const leftovers = await settleLeftovers(grace);
  if (leftovers.length === 0) return;
  // The agent proposes the final state: the reports that would have gone with it go first.
  await flushReports();
  await send({ type: 'hand_over', state: finalWithLeftovers(final, leftovers, grace) });
  process.exit(0);
}

async function execute(flowRun: FlowRun, leaseId: string | null): Promise<ChildOutcome> {
  // Import the flow while RUNNING is being proposed: the two overlap. The import starts once the
  // proposal is on the wire, so compiling the module does not hold the request back.
  const proposalWritten = nextRequestWritten(REQUEST_WRITE_FALLBACK_MS);
  const loading = proposalWritten.then(() => {
    if (!flowRun.entrypoint) throw new Error(`Flow run ${flowRun.id} has no entrypoint`);
    return loadEntrypoint(flowRun.entrypoint, projectDir);
  });
  loading.catch(() => undefined);
  const definition: FlowDefinition<unknown> = {
    name: flowRun.name,
    fn: async (parameters) => (await loading).fn(parameters),
    load: () => loading,
    empiricalPolicy: flowRun.empirical_policy,
  };
  running = new AbortController();
  const outcome = await runFlowRun(
    definition,
    {
      flowRun,
      leaseId: leaseId ?? undefined,
      client,
      log: (record: LogRecord) => void send({ type: 'log', record }),
      signal: running.signal,
    },
    {
      beforeRun: () => void send({ type: 'started', at: Date.now() }),
      beforeFinal: async (final, flushReports) => {
        await flushLogs();
        if (final) await handOverIfLeftover(final, flushReports);
      },
    },
  );
  running = null;
  switch (outcome.kind) {
    case 'final':
    case 'stopped':
      return { kind: outcome.kind, state_type: outcome.state.type, reason: outcome.state.message };
    case 'aborted':
      return { kind: 'aborted', state_type: null, reason: outcome.reason };
    case 'stale_lease':
      return { kind: 'stale_lease', state_type: null, reason: null };
  }
}

process.on('message', (message: AgentToChild) => {
  if (message.type === 'flushed') {
    pendingFlushes.get(message.id)?.();
    return;
  }
  if (message.type === 'cancel') {
    running?.abort(new FlowRunCancelledError(message.reason));
    return;
  }
  fitness.runStarts();
  execute(message.flow_run, message.lease_id).then(
    async (outcome) => {
      const unfit = message.stay ? await fitness.afterRun(outcome, warmingUp) : null;
      const stays = message.stay && unfit === null;
      await send({ type: 'done', outcome, stays, unfit, rss_bytes: process.memoryUsage.rss() });
      if (!stays) process.exit(0);
    },
    (error: unknown) => {
      // The engine could not report (server unreachable through every retry): the agent reports CRASHED.
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
});

// Taken while idle, listening for runs, before the warm-up opens anything.
const fitness = new ChildFitness();
// Ready as soon as the SDK is loaded: the warm-up goes on in the background, and a run that arrives
// meanwhile (a burst that took every warm process) does not wait for it.
void send({ type: 'ready', version: packageVersion });
const warmingUp = warmUp(client);
