// `edgeflow agent`: run flow runs from a work pool on this machine.
import { parseArgs } from 'node:util';
import {
  Agent,
  DEFAULT_MAX_PROCESS_MEMORY_MB,
  DEFAULT_MAX_RUNS_PER_PROCESS,
  type Isolation,
} from '../../agent/index.ts';
import { EdgeflowClient } from '../../client/index.ts';
import type { Command } from '../main.ts';

const USAGE = `Usage: edgeflow agent --pool NAME [options]

Claims flow runs from a work pool and runs them in Node processes of their own, from their entrypoint
(path/to/file.ts:exportName) resolved against the current directory. A process that finished a run
takes the next run of the same entrypoint while the file is unchanged (module-level state survives
between those runs); --isolation process starts one process per run instead.

Options:
  --pool NAME               work pool to poll (created if missing)
  --queue NAME              queue to draw from; repeat for several (default: every queue)
  --limit N                 flow runs at once (default 4)
  --api URL                 control plane (env EDGEFLOW_API_URL, default http://127.0.0.1:8787)
  --key KEY                 API key (env EDGEFLOW_API_KEY)
  --name NAME               agent name (default <hostname>-<pid>)
  --heartbeat-seconds S     heartbeat interval (default 10)
  --prestart N              idle processes kept warm (default: min(limit, 4))
  --grace-seconds S         on SIGTERM/SIGINT, how long running flows may finish (default 30)
  --poll-interval-ms MS     poll every MS instead of long-polling (for benchmarks and comparisons)
  --isolation MODE          warm (default): reuse a finished run's process for the same entrypoint;
                            process: one process per run
  --max-runs-per-process N  a warm process is ended after N runs (default ${DEFAULT_MAX_RUNS_PER_PROCESS})
  --max-process-memory-mb M a warm process above M MB of resident memory after a run is ended
                            (default ${DEFAULT_MAX_PROCESS_MEMORY_MB})

SIGTERM or SIGINT stops claiming and waits for running flows; a second one cancels them at once.`;

function positiveInt(value: string | undefined, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw new Error(`--${flag} must be an integer ≥ ${min}`);
  return parsed;
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pool: { type: 'string' },
      queue: { type: 'string', multiple: true },
      limit: { type: 'string' },
      api: { type: 'string' },
      key: { type: 'string' },
      name: { type: 'string' },
      'heartbeat-seconds': { type: 'string' },
      prestart: { type: 'string' },
      'grace-seconds': { type: 'string' },
      'poll-interval-ms': { type: 'string' },
      isolation: { type: 'string' },
      'max-runs-per-process': { type: 'string' },
      'max-process-memory-mb': { type: 'string' },
    },
    strict: true,
  });
  if (!values.pool) {
    console.error(`--pool is required\n\n${USAGE}`);
    return 2;
  }
  const apiUrl = values.api ?? process.env.EDGEFLOW_API_URL ?? 'http://127.0.0.1:8787';
  const apiKey = values.key ?? process.env.EDGEFLOW_API_KEY;
  if (!apiKey) {
    console.error('An API key is needed: --key KEY or EDGEFLOW_API_KEY (locally: edgeflow-dev-key).');
    return 2;
  }
  const limit = positiveInt(values.limit, 'limit', 4);
  const isolation = values.isolation ?? 'warm';
  if (isolation !== 'warm' && isolation !== 'process') {
    console.error(`--isolation must be warm or process\n\n${USAGE}`);
    return 2;
  }
  const agent = new Agent({
    client: new EdgeflowClient({
      apiUrl,
      apiKey,
      onRetry: (failure, attempt, method, path) =>
        console.error(`[edgeflow agent] ${method} ${path} failed (attempt ${attempt}), retrying: ${failure}`),
    }),
    apiKey,
    pool: values.pool,
    queues: values.queue,
    limit,
    name: values.name,
    heartbeatSeconds: positiveInt(values['heartbeat-seconds'], 'heartbeat-seconds', 10),
    prestart: positiveInt(values.prestart, 'prestart', Math.min(limit, 4), 0),
    graceSeconds: positiveInt(values['grace-seconds'], 'grace-seconds', 30, 0),
    pollIntervalMs:
      values['poll-interval-ms'] === undefined
        ? undefined
        : positiveInt(values['poll-interval-ms'], 'poll-interval-ms', 0, 0),
    isolation: isolation as Isolation,
    warmReuse: {
      maxRunsPerProcess: positiveInt(
        values['max-runs-per-process'],
        'max-runs-per-process',
        DEFAULT_MAX_RUNS_PER_PROCESS,
      ),
      maxProcessMemoryBytes:
        positiveInt(values['max-process-memory-mb'], 'max-process-memory-mb', DEFAULT_MAX_PROCESS_MEMORY_MB) *
        2 ** 20,
    },
    cwd: process.cwd(),
    echoOutput: true,
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => agent.stop(signal));
  await agent.run();
  return 0;
}

export const agentCommand: Command = {
  name: 'agent',
  summary: 'run flow runs from a work pool',
  usage: USAGE,
  run,
};
