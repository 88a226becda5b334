// The project's deployments file, `edgeflow.json` (or `edgeflow.config.json`): read, checked, and
// turned into the bodies `POST /api/deployments` takes.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  ConcurrencyOptionsSchema,
  type DeploymentCreate,
  DeploymentCreateSchema,
  DeploymentScheduleCreateSchema,
  DeploymentTriggerSchema,
  JsonObjectSchema,
  RetentionDaysSchema,
  TagsSchema,
} from '../protocol/index.ts';
import { resolveFlow } from './flows.ts';

export const CONFIG_FILES = ['edgeflow.json', 'edgeflow.config.json'] as const;

const SCHEDULE_KEYS = ['cron', 'day_or', 'interval', 'anchor_date', 'rrule', 'timezone'];

/**
 * A schedule in Prefect's API shape `{schedule: {cron, timezone}, active, …}`, or flattened as in
 * prefect.yaml `{cron, timezone, active, …}`.
 */
const ScheduleEntrySchema = z.preprocess((entry) => {
  if (typeof entry !== 'object' || entry === null || 'schedule' in entry) return entry;
  const schedule: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry))
    (SCHEDULE_KEYS.includes(key) ? schedule : rest)[key] = value;
  return { ...rest, schedule };
}, DeploymentScheduleCreateSchema.strict());

export const DeploymentConfigSchema = z
  .object({
    name: z.string().min(1).max(200),
    /** The export in the entrypoint file, or the flow's name; needed when the file has several flows. */
    flow: z.string().min(1).optional(),
    /** `path/to/file.ts:exportName` or `path/to/file.ts`, relative to the config file. */
    entrypoint: z.string().min(1),
    work_pool_name: z.string().min(1).max(200),
    work_queue_name: z.string().min(1).max(200).optional(),
    parameters: JsonObjectSchema.default({}),
    /** Overrides the schema derived from the flow's zod `parameters`. */
    parameter_openapi_schema: JsonObjectSchema.optional(),
    enforce_parameter_schema: z.boolean().optional(),
    schedules: z.array(ScheduleEntrySchema).max(100).default([]),
    tags: TagsSchema.default([]),
    description: z.string().max(5000).optional(),
    version: z.string().max(200).optional(),
    paused: z.boolean().default(false),
    concurrency_limit: z.number().int().min(0).max(100_000).optional(),
    concurrency_options: ConcurrencyOptionsSchema.partial().optional(),
    /** Prefect's deployment triggers: each an automation that runs this deployment (docs/deployments.md). */
    triggers: z.array(DeploymentTriggerSchema).max(50).default([]),
    retention_days: RetentionDaysSchema.optional(),
  })
  .strict();
export type DeploymentConfig = z.infer<typeof DeploymentConfigSchema>;

export const ConfigFileSchema = z
  .object({
    $schema: z.string().optional(),
    $comment: z.string().optional(),
    deployments: z.array(DeploymentConfigSchema),
  })
  .strict();

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The config file in `dir` or the nearest directory above it. */
export function findConfigFile(dir: string): string | null {
  for (let current = resolve(dir); ; current = dirname(current)) {
    for (const name of CONFIG_FILES) if (existsSync(join(current, name))) return join(current, name);
    if (dirname(current) === current) return null;
  }
}

export function readConfigFile(path: string): DeploymentConfig[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${path}: ${(error as Error).message}`);
  }
  const parsed = ConfigFileSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(`${path}:\n${z.prettifyError(parsed.error)}`);
  const names = new Set<string>();
  for (const deployment of parsed.data.deployments) {
    const key = `${deployment.flow ?? deployment.entrypoint}/${deployment.name}`;
    if (names.has(key)) throw new ConfigError(`${path}: deployment ${key} is declared twice`);
    names.add(key);
  }
  return parsed.data.deployments;
}

/** The API body for one declared deployment: its entrypoint imported for the flow's name and schema. */
export async function deploymentBody(config: DeploymentConfig, root: string): Promise<DeploymentCreate> {
  const flow = await resolveFlow(config.entrypoint, config.flow, root);
  const { flow: _flow, entrypoint: _entrypoint, ...fields } = config;
  const body = {
    ...fields,
    flow_name: flow.flowName,
    entrypoint: flow.entrypoint,
    parameter_openapi_schema: config.parameter_openapi_schema ?? flow.parameterSchema ?? undefined,
  };
  const parsed = DeploymentCreateSchema.safeParse(body);
  if (!parsed.success) {
    throw new ConfigError(`deployment ${flow.flowName}/${config.name}:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
