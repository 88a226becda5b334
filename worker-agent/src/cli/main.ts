#!/usr/bin/env node
// The `edgeflow` command line: one file per command under ./commands.
import { ApiError } from '../client/index.ts';
import { agentCommand } from './commands/agent.ts';
import { artifactCommand } from './commands/artifact.ts';
import { automationCommand } from './commands/automation.ts';
import { blockCommand } from './commands/block.ts';
import { cancelCommand } from './commands/cancel.ts';
import { deployCommand } from './commands/deploy.ts';
import { eventsCommand } from './commands/events.ts';
import { limitCommand } from './commands/limit.ts';
import { logsCommand } from './commands/logs.ts';
import { resumeCommand } from './commands/resume.ts';
import { runCommand } from './commands/run.ts';
import { runsCommand } from './commands/runs.ts';
import { variableCommand } from './commands/variable.ts';
import { UsageError } from './connection.ts';
import { describeApiError } from './format.ts';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Command[] = [
  agentCommand,
  deployCommand,
  runCommand,
  runsCommand,
  logsCommand,
  eventsCommand,
  cancelCommand,
  resumeCommand,
  limitCommand,
  automationCommand,
  variableCommand,
  artifactCommand,
  blockCommand,
];

function help(): string {
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`);
  return [
    'Usage: edgeflow <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'edgeflow <command> --help for its options.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    console.error(`edgeflow: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // The server's refusal is the user's to read (detail and field); so are bad arguments (exit 2).
    const message =
      error instanceof ApiError
        ? describeApiError(error)
        : error instanceof Error
          ? error.message
          : String(error);
    console.error(`edgeflow: ${message}`);
    process.exitCode =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  },
);
