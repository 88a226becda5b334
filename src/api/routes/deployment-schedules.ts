// A deployment's schedules one by one: list, add, change (regenerates that schedule's runs), delete.
import { createRoute, z } from '@hono/zod-openapi';
import {
  DeploymentScheduleCreateSchema,
  DeploymentScheduleSchema,
  DeploymentScheduleUpdateSchema,
} from 'edgeflow/protocol';
import {
  addSchedules,
  deleteSchedule,
  readScheduleRow,
  replaceSchedule,
  toSchedule,
} from '../../db/deployment-schedules';
import { draftSchedules } from '../../domain/deployments';
import { requestScheduleBudget } from '../../domain/schedules';
import type { Env } from '../../env';
import { invalid, planFirstRuns, regenerate, withdrawOrRefuse } from '../deployment-writes';
import { notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';
import { deploymentOr404 } from './deployments';

const IdParam = z.object({ id: z.uuid() });
const ScheduleParam = z.object({ id: z.uuid(), schedule_id: z.uuid() });

async function scheduleOr404(env: Env, deploymentId: string, scheduleId: string) {
  const row = await readScheduleRow(env.DB, deploymentId, scheduleId);
  if (!row) throw notFound('deployment_schedule', scheduleId);
  return row;
}

const list = createRoute({
  method: 'get',
  path: '/deployments/{id}/schedules',
  security: requiresScope('read'),
  request: { params: IdParam },
  responses: { 200: jsonResponse(z.array(DeploymentScheduleSchema), "The deployment's schedules") },
});

const add = createRoute({
  method: 'post',
  path: '/deployments/{id}/schedules',
  security: requiresScope('admin'),
  request: { params: IdParam, body: jsonBody(z.array(DeploymentScheduleCreateSchema).min(1).max(100)) },
  responses: { 201: jsonResponse(z.array(DeploymentScheduleSchema), 'The schedules created') },
});

const update = createRoute({
  method: 'patch',
  path: '/deployments/{id}/schedules/{schedule_id}',
  security: requiresScope('admin'),
  request: { params: ScheduleParam, body: jsonBody(DeploymentScheduleUpdateSchema) },
  responses: { 204: { description: 'Updated; its future runs are planned again' } },
});

const remove = createRoute({
  method: 'delete',
  path: '/deployments/{id}/schedules/{schedule_id}',
  security: requiresScope('admin'),
  request: { params: ScheduleParam },
  responses: { 204: { description: 'Deleted with its unstarted runs' } },
});

export const deploymentSchedulesRouter = createRouter()
  .openapi(list, async (c) => c.json((await deploymentOr404(c.env, c.req.valid('param').id)).schedules, 200))
  .openapi(add, async (c) => {
    const { id } = c.req.valid('param');
    const now = new Date();
    const deployment = await deploymentOr404(c.env, id);
    const drafted = draftSchedules(c.req.valid('json'), deployment, now, '', requestScheduleBudget());
    if ('problem' in drafted) throw invalid(drafted.problem);
    const created = await addSchedules(c.env.DB, id, deployment.paused, drafted.schedules, now);
    await planFirstRuns(c.env, id, now);
    return c.json(created, 201);
  })
  .openapi(update, async (c) => {
    const { id, schedule_id } = c.req.valid('param');
    const now = new Date();
    const deployment = await deploymentOr404(c.env, id);
    const { schedule, active, parameters, catchup, max_active_runs } = toSchedule(
      await scheduleOr404(c.env, id, schedule_id),
    );
    const merged = { schedule, active, parameters, catchup, max_active_runs, ...c.req.valid('json') };
    const drafted = draftSchedules([merged], deployment, now, 'schedules', requestScheduleBudget());
    if ('problem' in drafted)
      throw invalid({ ...drafted.problem, field: drafted.problem.field.replace(/^schedules\[0\]\./, '') });
    const withdrawal = await replaceSchedule(
      c.env.DB,
      id,
      schedule_id,
      drafted.schedules[0]!,
      deployment.paused,
      now,
    );
    await regenerate(c.env, id, [withdrawal], now);
    return c.body(null, 204);
  })
  .openapi(remove, async (c) => {
    const { id, schedule_id } = c.req.valid('param');
    await scheduleOr404(c.env, id, schedule_id);
    const now = new Date();
    await withdrawOrRefuse(c.env, [await deleteSchedule(c.env.DB, id, schedule_id, now)], now);
    return c.body(null, 204);
  });
