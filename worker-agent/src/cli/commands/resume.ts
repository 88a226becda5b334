// `edgeflow resume <run>`: resumes a paused or suspended flow run, with typed input when its pause waits
// for some (docs/sdk.md, "Pause, suspend and input").
import { parseArgs } from 'node:util';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, UsageError } from '../connection.ts';
import { stateLabel } from '../format.ts';
import type { Command } from '../main.ts';
import { findFlowRun } from '../run-reference.ts';

const USAGE = `Usage: edgeflow resume <run> [--input JSON] [options]

Resumes a paused flow run (named by its id or its name): a paused run goes on in its process, a
suspended one is scheduled again for any agent. A pause that waits for typed input needs --input, a
JSON object checked against the pause's schema; a field that does not fit is named. Exits 0 when the
run left PAUSED, 1 otherwise (it was not paused, or its pause had timed out).

Options:
  --input JSON              the run input, a JSON object
${CONNECTION_USAGE}`;

function parseInput(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError('--input must be JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError('--input must be a JSON object');
  return value as Record<string, unknown>;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...CONNECTION_OPTIONS, input: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const input = parseInput(values.input);
  const client = connect(values);
  const flowRun = await findFlowRun(client, positionals[0]);
  const result = await client.resumeFlowRun(flowRun.id, input);
  const reason = 'reason' in result.details && result.details.reason ? ` (${result.details.reason})` : '';
  const now = result.state ? `; the run is ${stateLabel(result.state)}` : '';
  console.log(`flow run ${flowRun.name} (${flowRun.id}): ${result.status}${reason}${now}`);
  return result.status === 'ACCEPT' ? 0 : 1;
}

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'resume a paused or suspended flow run',
  usage: USAGE,
  run,
};
