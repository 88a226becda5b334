// `edgeflow deploy`: registers the deployments declared in the project's edgeflow.json.
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { applyDeployment, ensureWorkPool } from '../../deploy/apply.ts';
import { CONFIG_FILES, deploymentBody, findConfigFile, readConfigFile } from '../../deploy/config.ts';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, UsageError } from '../connection.ts';
import type { Command } from '../main.ts';

const USAGE = `Usage: edgeflow deploy [options] [NAME ...]

Registers the deployments declared in ${CONFIG_FILES.join(' or ')} (searched from the current
directory upwards; see docs/cli.md). Each entrypoint is imported for its flow's name and parameter
schema. A deployment that already matches its declaration is left as it is, so deploying twice
changes nothing; one that differs is replaced (its future scheduled runs are planned again).
Missing work pools are created.

Arguments:
  NAME                      only the deployments with these names (default: all)

Options:
  --config PATH             the config file (default: found as above)
  --force                   send every deployment even when it is unchanged
${CONNECTION_USAGE}`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...CONNECTION_OPTIONS, config: { type: 'string' }, force: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const configPath = values.config ? resolve(values.config) : findConfigFile(process.cwd());
  if (!configPath) throw new UsageError(`no ${CONFIG_FILES.join(' or ')} here or in any parent directory`);
  const root = dirname(configPath);
  const declared = readConfigFile(configPath).filter(
    (deployment) => positionals.length === 0 || positionals.includes(deployment.name),
  );
  if (declared.length === 0) throw new UsageError(`${configPath} declares no deployment to deploy`);
  const client = connect(values);
  const pools = new Set<string>();
  for (const config of declared) {
    const body = await deploymentBody(config, root);
    if (!pools.has(config.work_pool_name)) {
      pools.add(config.work_pool_name);
      if (await ensureWorkPool(client, config.work_pool_name))
        console.log(`work pool ${config.work_pool_name}: created`);
    }
    const { deployment, outcome, changed } = await applyDeployment(
      client,
      { ...body, flow_name: body.flow_name! },
      { force: values.force },
    );
    const what = outcome === 'updated' && changed.length > 0 ? ` (${changed.join(', ')})` : '';
    const schedules = deployment.schedules.length;
    console.log(
      `${body.flow_name}/${deployment.name}: ${outcome}${what} — ${deployment.entrypoint} on pool ${deployment.work_pool_name}, ${schedules} schedule${schedules === 1 ? '' : 's'}, id ${deployment.id}`,
    );
  }
  return 0;
}

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'register the deployments declared in edgeflow.json',
  usage: USAGE,
  run,
};
