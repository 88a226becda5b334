// `edgeflow cancel <run>`: asks the server to cancel a flow run (proposes CANCELLING).
import { parseArgs } from 'node:util';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect } from '../connection.ts';
import { stateLabel } from '../format.ts';
import type { Command } from '../main.ts';
import { findFlowRun } from '../run-reference.ts';

const USAGE = `Usage: edgeflow cancel <run> [options]

Proposes CANCELLING for a flow run (named by its id or its name). The agent running it learns of it
at its next heartbeat or claim, stops the run's process and reports CANCELLED. Prints the server's
answer; exits 0 when the run is CANCELLING or CANCELLED, 1 otherwise (it had already ended).

Options:
${CONNECTION_USAGE}`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...CONNECTION_OPTIONS },
    allowPositionals: true,
    strict: true,
  });
  const client = connect(values);
  const flowRun = await findFlowRun(client, positionals[0]);
  const result = await client.setFlowRunState(flowRun.id, {
    state: { type: 'CANCELLING', name: 'Cancelling', message: 'Cancelled with edgeflow cancel.' },
  });
  const reason = 'reason' in result.details && result.details.reason ? ` (${result.details.reason})` : '';
  // A run no agent holds yet is cancelled outright: the server rejects CANCELLING with CANCELLED.
  const cancelled =
    result.status === 'ACCEPT' ||
    (result.status === 'REJECT' &&
      (result.state?.type === 'CANCELLING' || result.state?.type === 'CANCELLED'));
  const now = result.state ? `; the run is ${stateLabel(result.state)}` : '';
  console.log(`flow run ${flowRun.name} (${flowRun.id}): ${result.status}${reason}${now}`);
  return cancelled ? 0 : 1;
}

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'cancel a flow run',
  usage: USAGE,
  run,
};
