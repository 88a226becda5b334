// `edgeflow logs <run>`: prints a flow run's logs, and with --follow keeps printing until it ends.
import { parseArgs } from 'node:util';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect } from '../connection.ts';
import { followRun, logsAfter } from '../follow.ts';
import { logLine } from '../format.ts';
import type { Command } from '../main.ts';
import { findFlowRun } from '../run-reference.ts';

const USAGE = `Usage: edgeflow logs <run> [options]

Prints the logs of a flow run (named by its id or its name), oldest first.

Options:
  --follow, -f              keep printing new logs, and the run's states, until the run ends
${CONNECTION_USAGE}`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...CONNECTION_OPTIONS, follow: { type: 'boolean', short: 'f' } },
    allowPositionals: true,
    strict: true,
  });
  const client = connect(values);
  const flowRun = await findFlowRun(client, positionals[0]);
  if (!values.follow) {
    const { logs } = await logsAfter(client, flowRun.id, 0);
    for (const log of logs) console.log(logLine(log));
    return 0;
  }
  await followRun(client, flowRun.id, {
    states: true,
    tasks: false,
    logs: true,
    print: (line) => console.log(line),
  });
  return 0;
}

export const logsCommand: Command = {
  name: 'logs',
  summary: "print a flow run's logs, optionally --follow them",
  usage: USAGE,
  run,
};
