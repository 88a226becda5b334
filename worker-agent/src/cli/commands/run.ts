// `edgeflow run <flow>/<deployment>`: creates a run of a deployment and, with --watch, follows it.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { JsonObjectSchema } from '../../protocol/index.ts';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, UsageError } from '../connection.ts';
import { followRun } from '../follow.ts';
import { stateLabel } from '../format.ts';
import type { Command } from '../main.ts';

const USAGE = `Usage: edgeflow run <flow>/<deployment> [options]

Creates a flow run of the deployment (POST /api/deployments/{id}/create_flow_run): SCHEDULED at
now, or at --at, for an agent on the deployment's work pool to run. Its parameters are the
deployment's defaults with the given ones merged over them.

Options:
  --param KEY=VALUE         a parameter; VALUE is read as JSON when it parses (42, true, [1], {"a":1},
                            "quoted"), else as a string; repeat for several
  --params-json JSON        parameters as one JSON object (--param values win)
  --name NAME               the run's name (default: generated)
  --tag TAG                 a tag for the run, added to the deployment's; repeat for several
  --at ISO_TIME             when the run is due (default now)
  --idempotency-key KEY     a second call with the same key returns the first run (default: a key
                            made for this call, so a request resent after a lost answer makes one run)
  --watch                   follow the run's states, task progress and logs until it ends; exit 0
                            when it COMPLETED, 1 otherwise
${CONNECTION_USAGE}`;

/** `k=v` pairs over a JSON object: values that parse as JSON are JSON, the rest strings. */
export function parseParameters(pairs: string[], json: string | undefined): Record<string, unknown> {
  let parameters: Record<string, unknown> = {};
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new UsageError(`--params-json is not JSON: ${(error as Error).message}`);
    }
    const object = JsonObjectSchema.safeParse(parsed);
    if (!object.success || Array.isArray(parsed)) throw new UsageError('--params-json must be a JSON object');
    parameters = { ...object.data };
  }
  for (const pair of pairs) {
    const separator = pair.indexOf('=');
    if (separator <= 0) throw new UsageError(`--param ${pair}: write it as KEY=VALUE`);
    const value = pair.slice(separator + 1);
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = value;
    }
    parameters[pair.slice(0, separator)] = parsed;
  }
  return parameters;
}

export function parseDeploymentName(name: string | undefined): [flow: string, deployment: string] {
  const separator = name?.indexOf('/') ?? -1;
  if (!name || separator <= 0 || separator === name.length - 1 || name.indexOf('/', separator + 1) >= 0) {
    throw new UsageError(`name the deployment as <flow>/<deployment>${name ? `, not "${name}"` : ''}`);
  }
  return [name.slice(0, separator), name.slice(separator + 1)];
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      param: { type: 'string', multiple: true, short: 'p' },
      'params-json': { type: 'string' },
      name: { type: 'string' },
      tag: { type: 'string', multiple: true },
      at: { type: 'string' },
      'idempotency-key': { type: 'string' },
      watch: { type: 'boolean', short: 'w' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError(`give one deployment\n\n${USAGE}`);
  const [flowName, deploymentName] = parseDeploymentName(positionals[0]);
  const parameters = parseParameters(values.param ?? [], values['params-json']);
  let scheduledTime: string | undefined;
  if (values.at !== undefined) {
    const at = new Date(values.at);
    if (Number.isNaN(at.getTime())) throw new UsageError(`--at ${values.at} is not a date and time`);
    scheduledTime = at.toISOString();
  }
  const client = connect(values);
  const deployment = await client.readDeploymentByName(flowName, deploymentName);
  const flowRun = await client.createDeploymentFlowRun(deployment.id, {
    parameters,
    name: values.name,
    tags: values.tag,
    scheduled_time: scheduledTime,
    idempotency_key: values['idempotency-key'] ?? `cli ${randomUUID()}`,
  });
  console.log(
    `flow run ${flowRun.name} (${flowRun.id}) of ${flowName}/${deploymentName}: ${stateLabel(flowRun.state)}, pool ${flowRun.work_pool_name ?? '-'}`,
  );
  if (!values.watch) {
    console.log(`follow it: edgeflow logs ${flowRun.id} --follow`);
    return 0;
  }
  const ended = await followRun(client, flowRun.id, {
    states: true,
    tasks: true,
    logs: true,
    print: (line) => console.log(line),
  });
  return ended.state_type === 'COMPLETED' ? 0 : 1;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'create a run of a deployment, optionally --watch it',
  usage: USAGE,
  run,
};
