// A pre-started flow-run process: loads the SDK, waits for one run over IPC, runs it, exits.
import * as nodeModule from 'node:module';
import { EdgeflowClient } from '../client/index.ts';
import { type FlowRun, OrchestrationResultSchema } from '../protocol/index.ts';
import { type FlowDefinition, type LogRecord, runFlowRun } from '../sdk/index.ts';
import { loadEntrypoint } from './entrypoint.ts';
import type { AgentToChild, ChildOutcome, ChildToAgent } from './ipc.ts';

/** How long the final state waits for the agent to ship earlier logs; a gone agent must not hang the run. */
const FLUSH_TIMEOUT_MS = 2_000;

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
// Opens a keep-alive connection now, so the run's first proposal does not pay for the handshake.
client.health().catch(() => undefined);
// zod compiles a schema on its first parse (several ms): pay that for the hot path before a run arrives.
OrchestrationResultSchema.safeParse({
  status: 'ACCEPT',
  details: { type: 'accept_details' },
  state: {
    id: 'warm-up',
    type: 'RUNNING',
    name: 'Running',
    timestamp: new Date().toISOString(),
    message: null,
    data: null,
    state_details: {},
  },
});

// Node's TypeScript stripper loads on the first `.ts` import (~70 ms CPU: a WebAssembly module to
// decode and compile); a run's entrypoint is usually `.ts`, so load it now rather than on the pickup
// path. Its one-time ExperimentalWarning about this call is not the user's concern.
const emitWarning = process.emitWarning;
process.emitWarning = () => undefined;
try {
  nodeModule.stripTypeScriptTypes?.('let warm: number = 0;');
} finally {
  process.emitWarning = emitWarning;
}

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

async function execute(flowRun: FlowRun, leaseId: string | null): Promise<ChildOutcome> {
  // Import the flow while RUNNING is being proposed: the two overlap. The import starts on the next
  // turn, once the proposal is on the wire, so compiling the module does not hold the request back.
  const loading = new Promise<FlowDefinition<unknown>>((done, fail) => {
    setImmediate(() => {
      if (!flowRun.entrypoint) fail(new Error(`Flow run ${flowRun.id} has no entrypoint`));
      else loadEntrypoint(flowRun.entrypoint, process.cwd()).then(done, fail);
    });
  });
  loading.catch(() => undefined);
  const definition: FlowDefinition<unknown> = {
    name: flowRun.name,
    fn: async (parameters) => (await loading).fn(parameters),
    load: () => loading,
    empiricalPolicy: flowRun.empirical_policy,
  };
  const outcome = await runFlowRun(
    definition,
    {
      flowRun,
      leaseId: leaseId ?? undefined,
      client,
      log: (record: LogRecord) => void send({ type: 'log', record }),
    },
    {
      beforeRun: () => void send({ type: 'started', at: Date.now() }),
      beforeFinal: flushLogs,
    },
  );
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
  execute(message.flow_run, message.lease_id).then(
    async (outcome) => {
      await send({ type: 'done', outcome });
      process.exit(0);
    },
    (error: unknown) => {
      // The engine could not report (server unreachable through every retry): the agent reports CRASHED.
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
});

void send({ type: 'ready' });
