// A deployment's row in D1 and back: the columns a write sets, in order, and the API's shape of a row
// read with its schedules' rows.
import type { ConcurrencyOptions, Deployment } from 'edgeflow/protocol';
import { type ScheduleRow, toSchedule } from './deployment-schedules';

/** A deployment as written: defaults applied (its flow is given alongside, by id or name). */
export interface DeploymentWrite {
  name: string;
  entrypoint: string | null;
  work_pool_name: string | null;
  work_queue_name: string | null;
  parameters: Record<string, unknown>;
  parameter_openapi_schema: Record<string, unknown> | null;
  enforce_parameter_schema: boolean;
  tags: string[];
  description: string | null;
  version: string | null;
  paused: boolean;
  concurrency_limit: number | null;
  concurrency_options: ConcurrencyOptions | null;
  /** As declared; their automations are written beside (deployment-triggers.ts). */
  triggers: Record<string, unknown>[];
  retention_days: number | null;
}

/** The columns a write sets, in `deploymentValues` order; `id` and `flow_id` come first, from the caller. */
export const DEPLOYMENT_FIELDS = [
  'name',
  'entrypoint',
  'work_pool_name',
  'work_queue_name',
  'parameters',
  'parameter_openapi_schema',
  'enforce_parameter_schema',
  'tags',
  'description',
  'version',
  'paused',
  'concurrency_limit',
  'collision_strategy',
  'grace_period_seconds',
  'triggers',
  'retention_days',
  'created',
  'updated',
] as const;

export function deploymentValues(d: DeploymentWrite, at: string): unknown[] {
  return [
    d.name,
    d.entrypoint,
    d.work_pool_name,
    d.work_queue_name,
    JSON.stringify(d.parameters),
    d.parameter_openapi_schema ? JSON.stringify(d.parameter_openapi_schema) : null,
    d.enforce_parameter_schema ? 1 : 0,
    JSON.stringify(d.tags),
    d.description,
    d.version,
    d.paused ? 1 : 0,
    d.concurrency_limit,
    d.concurrency_options?.collision_strategy ?? null,
    d.concurrency_options?.grace_period_seconds ?? null,
    JSON.stringify(d.triggers),
    d.retention_days,
    at,
    at,
  ];
}

export interface DeploymentRow {
  id: string;
  flow_id: string;
  name: string;
  entrypoint: string | null;
  work_pool_name: string | null;
  work_queue_name: string | null;
  parameters: string;
  parameter_openapi_schema: string | null;
  enforce_parameter_schema: number;
  tags: string;
  description: string | null;
  version: string | null;
  paused: number;
  concurrency_limit: number | null;
  collision_strategy: string | null;
  grace_period_seconds: number | null;
  triggers: string;
  retention_days: number | null;
  created: string;
  updated: string;
}

export function toDeployment(row: DeploymentRow, schedules: ScheduleRow[]): Deployment {
  return {
    id: row.id,
    created: row.created,
    updated: row.updated,
    name: row.name,
    flow_id: row.flow_id,
    entrypoint: row.entrypoint,
    work_pool_name: row.work_pool_name,
    work_queue_name: row.work_queue_name,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    parameter_openapi_schema: row.parameter_openapi_schema
      ? (JSON.parse(row.parameter_openapi_schema) as Record<string, unknown>)
      : null,
    enforce_parameter_schema: row.enforce_parameter_schema === 1,
    tags: JSON.parse(row.tags) as string[],
    description: row.description,
    version: row.version,
    paused: row.paused === 1,
    schedules: schedules.map(toSchedule),
    concurrency_limit: row.concurrency_limit,
    concurrency_options: row.collision_strategy
      ? {
          collision_strategy: row.collision_strategy as ConcurrencyOptions['collision_strategy'],
          grace_period_seconds: row.grace_period_seconds ?? 300,
        }
      : null,
    triggers: JSON.parse(row.triggers) as Record<string, unknown>[],
    retention_days: row.retention_days,
  };
}
