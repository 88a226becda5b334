// What a pre-started flow-run process does while it waits for its run: pay, off the pickup path, for
// the one-time costs that the run's first steps would otherwise pay. Each process runs one run, so
// every run's first steps are that process's first time through them.
import * as nodeModule from 'node:module';
import type { AddressInfo } from 'node:net';
import { EdgeflowClient } from '../client/index.ts';
import type { OrchestrationResult } from '../protocol/index.ts';

/** Answers every request like a RUNNING proposal that was accepted. */
const ACCEPTED: OrchestrationResult = {
  status: 'ACCEPT',
  details: { type: 'accept_details' },
  state: {
    id: '00000000-0000-4000-8000-000000000000',
    type: 'RUNNING',
    name: 'Running',
    timestamp: new Date(0).toISOString(),
    message: null,
    data: null,
    state_details: {},
  },
};

/** Proposals sent to the stand-in server: the first compiles, the next ones let the code settle. */
const REHEARSALS = 3;

/**
 * Warms up the run's first steps: the connection to the server, Node's TypeScript stripper, and the
 * RUNNING proposal's own code (the client, the HTTP POST path, parsing the answer), which together cost
 * several ms the first time. Never throws: a warm-up that fails only leaves the run to pay.
 */
export async function warmUp(client: EdgeflowClient): Promise<void> {
  // A keep-alive connection, so the run's first proposal does not pay for the handshake.
  const connected = client.health().catch(() => undefined);
  loadTypeScriptStripper();
  await rehearseProposal().catch(() => undefined);
  await connected;
}

/**
 * Node's TypeScript stripper loads on the first `.ts` import (~70 ms CPU: a WebAssembly module to
 * decode and compile); a run's entrypoint is usually `.ts`. Its one-time ExperimentalWarning about
 * this call is not the user's concern.
 */
function loadTypeScriptStripper(): void {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => undefined;
  try {
    nodeModule.stripTypeScriptTypes?.('let warm: number = 0;');
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * Sends RUNNING proposals, through the client the run uses, to a stand-in server on a loopback port of
 * this process: the real server is never asked anything it would have to record or refuse.
 */
async function rehearseProposal(): Promise<void> {
  // Not an ES module import of node:http, which would load undici (see client/node-http.ts).
  const server = process.getBuiltinModule('node:http').createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(ACCEPTED));
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  try {
    const { port } = server.address() as AddressInfo;
    const standIn = new EdgeflowClient({ apiUrl: `http://127.0.0.1:${port}`, apiKey: 'warm-up' });
    for (let i = 0; i < REHEARSALS; i++) {
      await standIn.setFlowRunState(ACCEPTED.state!.id, {
        state: { type: 'RUNNING', name: 'Running', state_details: { transition_id: ACCEPTED.state!.id } },
        lease_id: ACCEPTED.state!.id,
      });
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
