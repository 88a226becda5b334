// Registers one deployment so that registering it again changes nothing: the stored deployment is
// compared with the declared one first, and only a difference is sent (a write would regenerate its
// future scheduled runs).
import { ApiError, type EdgeflowClient } from '../client/index.ts';
import type {
  Deployment,
  DeploymentCreate,
  DeploymentSchedule,
  DeploymentScheduleCreate,
} from '../protocol/index.ts';

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

export interface Applied {
  deployment: Deployment;
  outcome: ApplyOutcome;
  /** The fields that differed from the stored deployment (empty when created or unchanged). */
  changed: string[];
}

/** JSON with sorted keys, so two objects compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}

/** The rule without the DTSTART line the server writes into (and moves forward in) every stored rrule. */
const rruleBody = (rule: string) =>
  rule
    .split(/\r?\n/)
    .filter((line) => !/^DTSTART/i.test(line))
    .join('\n');

/** The declared schedule as the server would store it, with what the server fills in taken from `stored`. */
function storedShape(declared: DeploymentScheduleCreate, stored: DeploymentSchedule | undefined): unknown {
  const schedule: Record<string, unknown> = { ...declared.schedule };
  const kept = stored?.schedule as Record<string, unknown> | undefined;
  if ('interval' in schedule && schedule.anchor_date === undefined) schedule.anchor_date = kept?.anchor_date;
  if ('interval' in schedule && typeof schedule.anchor_date === 'string')
    schedule.anchor_date = Date.parse(schedule.anchor_date);
  if ('rrule' in schedule) {
    schedule.rrule = rruleBody(String(schedule.rrule));
    if (schedule.timezone === undefined) schedule.timezone = kept?.timezone;
  }
  return {
    schedule,
    active: declared.active,
    parameters: declared.parameters,
    catchup: declared.catchup,
    max_active_runs: declared.max_active_runs ?? null,
  };
}

function storedSchedule(stored: DeploymentSchedule): unknown {
  const schedule: Record<string, unknown> = { ...stored.schedule };
  if (typeof schedule.anchor_date === 'string') schedule.anchor_date = Date.parse(schedule.anchor_date);
  if (typeof schedule.rrule === 'string') schedule.rrule = rruleBody(schedule.rrule);
  const { active, parameters, catchup, max_active_runs } = stored;
  return { schedule, active, parameters, catchup, max_active_runs };
}

/** The fields of `declared` that differ from `stored`. */
export function differences(stored: Deployment, declared: DeploymentCreate): string[] {
  const limit = declared.concurrency_limit ?? null;
  const wanted: Record<string, unknown> = {
    entrypoint: declared.entrypoint ?? null,
    work_pool_name: declared.work_pool_name ?? null,
    work_queue_name: declared.work_queue_name ?? null,
    parameters: declared.parameters,
    parameter_openapi_schema: declared.parameter_openapi_schema ?? null,
    enforce_parameter_schema: declared.enforce_parameter_schema,
    tags: [...new Set(declared.tags)].sort(),
    description: declared.description ?? null,
    version: declared.version ?? null,
    paused: declared.paused,
    concurrency_limit: limit,
    concurrency_options:
      limit === null
        ? null
        : {
            collision_strategy: declared.concurrency_options?.collision_strategy ?? 'ENQUEUE',
            grace_period_seconds: declared.concurrency_options?.grace_period_seconds ?? 300,
          },
    schedules: declared.schedules.map((schedule, i) => storedShape(schedule, stored.schedules[i])),
    // Kept by the server as written, so compared as written.
    triggers: declared.triggers,
    retention_days: declared.retention_days ?? null,
  };
  const have: Record<string, unknown> = {
    ...stored,
    tags: [...stored.tags].sort(),
    schedules: stored.schedules.map(storedSchedule),
  };
  return Object.keys(wanted).filter((field) => canonical(wanted[field]) !== canonical(have[field]));
}

export async function readDeploymentByName(
  client: EdgeflowClient,
  flowName: string,
  name: string,
): Promise<Deployment | null> {
  try {
    return await client.readDeploymentByName(flowName, name);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/** Creates the deployment (and its flow), replaces it when it differs, or leaves it as it is. */
export async function applyDeployment(
  client: EdgeflowClient,
  declared: DeploymentCreate & { flow_name: string },
  options: { force?: boolean } = {},
): Promise<Applied> {
  const stored = await readDeploymentByName(client, declared.flow_name, declared.name);
  const changed = stored ? differences(stored, declared) : [];
  if (stored && changed.length === 0 && !options.force)
    return { deployment: stored, outcome: 'unchanged', changed };
  const deployment = await client.upsertDeployment(declared);
  return { deployment, outcome: stored ? 'updated' : 'created', changed };
}

/** Creates the work pool when it does not exist yet; true when this call created it. */
export async function ensureWorkPool(client: EdgeflowClient, name: string): Promise<boolean> {
  try {
    await client.workPools.read(name);
    return false;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  try {
    await client.workPools.create({ name, type: 'process' });
    return true;
  } catch (error) {
    // Created meanwhile by an agent or another deploy: it exists, which is all that matters.
    if (error instanceof ApiError && error.status === 409) return false;
    throw error;
  }
}
