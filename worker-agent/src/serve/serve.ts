// `flow.serve()`: one process that registers a deployment of the flow on a work pool of its own and
// runs that deployment's runs itself, through the agent (in child processes, warm-reused, with a lease
// and heartbeats like any agent's: docs/cli.md, "flow.serve()"), until SIGINT or SIGTERM.
// It sits above the SDK, the agent and deploy, and imports each; none of them imports it.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { FlowDefinition } from '../sdk/flow.ts';

export interface ServeOptions {
  /** The deployment's name. */
  name: string;
  /** A cron expression for the deployment's schedule (give at most one of cron and interval). */
  cron?: string;
  /** Seconds between scheduled runs. */
  interval?: number;
  /** The schedule's time zone (default UTC). */
  timezone?: string;
  /** The deployment's default parameters. */
  parameters?: Record<string, unknown>;
  /** The work pool, created if missing; default `serve-<flow>-<deployment>`. */
  pool?: string;
  /**
   * `path/to/file.ts:exportName`, relative to the current directory. Default: the module that called
   * `flow()`, and the export holding this flow.
   */
  entrypoint?: string;
  tags?: string[];
  description?: string;
  /** Runs at once (default 4). */
  limit?: number;
  /** Pause the deployment's schedule when serving stops, as Prefect does (default true). */
  pauseOnShutdown?: boolean;
  /** Default EDGEFLOW_API_URL, else the local server. */
  apiUrl?: string;
  /** Default EDGEFLOW_API_KEY, else the local dev key for a local server. */
  apiKey?: string;
}

/** Set in the serving process's environment, so the runs' child processes know not to serve again. */
const SERVING_ENV = 'EDGEFLOW_SERVING_PID';
/** How long the flow's own module may take to finish loading before its source is read instead. */
const MODULE_LOAD_WAIT_MS = 500;

/**
 * A flow-run process imports the flow's module, which may call serve() at its top level: there it is
 * a no-op (a child of serve() or of `edgeflow agent`).
 */
function insideFlowRunProcess(): boolean {
  const servingPid = process.env[SERVING_ENV];
  if (servingPid && servingPid !== String(process.pid)) return true;
  return /[\\/]agent[\\/]child-main\.[jt]s$/.test(process.argv[1] ?? '');
}

/** The export of `file` holding `flowObject`: from the loaded module, or while it is still loading
 * (serve() awaited at its top level), its only `export const x = flow(` declaration. */
async function exportNameOf(flowObject: unknown, file: string): Promise<string> {
  const loaded = await Promise.race([
    import(pathToFileURL(file).href) as Promise<Record<string, unknown>>,
    sleep(MODULE_LOAD_WAIT_MS).then(() => null),
  ]);
  if (loaded) {
    const name = Object.keys(loaded).find((key) => loaded[key] === flowObject);
    if (name) return name;
    throw new Error(`${file} does not export this flow: export it, or pass serve({entrypoint})`);
  }
  const declared = [
    ...readFileSync(file, 'utf8').matchAll(
      /export\s+(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*flow\s*[(<]/g,
    ),
  ].map((match) => match[1]!);
  if (declared.length === 1) return declared[0]!;
  throw new Error(
    `cannot tell which export of ${file} this flow is while the module is still loading: call serve() without awaiting it at the top level, or pass serve({entrypoint: 'file.ts:exportName'})`,
  );
}

function scheduleOf(options: ServeOptions) {
  if (options.cron !== undefined && options.interval !== undefined) {
    throw new Error('serve(): give cron or interval, not both');
  }
  const timezone = options.timezone ?? 'UTC';
  if (options.cron !== undefined) return [{ schedule: { cron: options.cron, timezone } }];
  if (options.interval !== undefined) return [{ schedule: { interval: options.interval, timezone } }];
  return [];
}

export async function serveFlow(
  flowObject: unknown,
  definition: FlowDefinition<never>,
  definedIn: string | null,
  options: ServeOptions,
): Promise<void> {
  if (insideFlowRunProcess()) return;
  // Loaded here, not at the top: a flow-run process loads the SDK and never needs the agent.
  const [
    { Agent },
    { clientFromEnvironment },
    { applyDeployment, ensureWorkPool },
    { entrypointPath, parameterSchemaOf },
    { DeploymentCreateSchema },
  ] = await Promise.all([
    import('../agent/index.ts'),
    import('../client/index.ts'),
    import('../deploy/apply.ts'),
    import('../deploy/flows.ts'),
    import('../protocol/index.ts'),
  ]);
  const report = (message: string) => console.error(`[edgeflow serve] ${message}`);
  const root = process.cwd();
  let entrypoint = options.entrypoint;
  if (!entrypoint) {
    if (!definedIn)
      throw new Error('serve(): cannot tell which file defines this flow: pass serve({entrypoint})');
    entrypoint = `${entrypointPath(definedIn, root)}:${await exportNameOf(flowObject, definedIn)}`;
  }
  const { client, apiKey } = clientFromEnvironment({ apiUrl: options.apiUrl, apiKey: options.apiKey });
  const pool = options.pool ?? `serve-${definition.name}-${options.name}`.replace(/[/%]/g, '-').slice(0, 200);
  await ensureWorkPool(client, pool);
  const declared = DeploymentCreateSchema.parse({
    name: options.name,
    flow_name: definition.name,
    entrypoint,
    work_pool_name: pool,
    parameters: options.parameters ?? {},
    parameter_openapi_schema: parameterSchemaOf(flowObject) ?? undefined,
    schedules: scheduleOf(options),
    tags: options.tags ?? [],
    description: options.description,
  });
  const { deployment, outcome } = await applyDeployment(client, { ...declared, flow_name: definition.name });
  report(
    `deployment ${definition.name}/${deployment.name} ${outcome} (${entrypoint}, pool ${pool}); trigger a run with: edgeflow run ${definition.name}/${deployment.name}`,
  );

  process.env[SERVING_ENV] = String(process.pid);
  const limit = options.limit ?? 4;
  const agent = new Agent({
    client,
    apiKey,
    pool,
    limit,
    heartbeatSeconds: 10,
    prestart: Math.min(limit, 2),
    graceSeconds: 30,
    cwd: root,
    echoOutput: true,
    report,
  });
  const stop = (signal: NodeJS.Signals) => agent.stop(signal);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await agent.run();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (options.pauseOnShutdown ?? true) {
      await client.pauseDeployment(deployment.id).then(
        () => report(`deployment ${definition.name}/${deployment.name} paused`),
        (error: unknown) => report(`could not pause the deployment: ${(error as Error).message}`),
      );
    }
  }
}
