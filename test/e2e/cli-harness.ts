// Runs the `edgeflow` command line from source against a test server, as a user would in a shell.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEV_KEY, type LocalServer, ProcessGroup, ROOT } from './harness.ts';

const CLI = join(ROOT, 'worker-agent/src/cli/main.ts');
/** Flow files written by tests import zod from the repository, by absolute URL. */
export const ZOD_URL = pathToFileURL(join(ROOT, 'node_modules/zod/index.js')).href;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `edgeflow <args>` in `cwd`, started in its own process group; resolves when it exits. */
export function startCli(server: LocalServer, cwd: string, args: string[]): ProcessGroup {
  return new ProcessGroup(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, EDGEFLOW_API_URL: server.url, EDGEFLOW_API_KEY: DEV_KEY },
  });
}

export async function cli(
  server: LocalServer,
  cwd: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<CliResult> {
  const group = startCli(server, cwd, args);
  let stdout = '';
  let stderr = '';
  group.process.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  group.process.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => void group.stop('SIGKILL', 0), timeoutMs);
  const { code } = await group.exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}
