// Against the real Worker: a schedule that can't be planned within the work bound
// is refused with 422 naming its field; one stored before the bound is skipped by the Cron Trigger
// tick (which plans every other schedule and looks at it again a day later); and the probe's rule is
// planned by arithmetic. A scheduler test file: its ticks get a database of their own.
import { env } from 'cloudflare:workers';
import type { Deployment } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { addSchedules } from '../../src/db/deployment-schedules';
import type { StoredSchedule } from '../../src/domain/schedules';
import { api } from './api';
import { createDeployment, createDeploymentsInBulk, runsOf, tick, unique } from './deployments-api';

/** Yields nothing, ever: walking it toward a date stepped through every day to the year 9999. */
const NEVER = 'DTSTART:20260101T000000\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30';
/** The probe's rule (every half hour here, to keep the runs few): minutes since 1900, 100,000,000 times. */
const SINCE_1900 = 'DTSTART:19000101T000000Z\nRRULE:FREQ=MINUTELY;INTERVAL=30;COUNT=100000000';

/** Runs every half hour on the half hour, as many as the waterfall plans (3 or 4). */
function expectHalfHourly(times: (string | null)[]) {
  expect(times.length).toBeGreaterThanOrEqual(3);
  for (const time of times) expect(Date.parse(time!) % 1_800_000).toBe(0);
}

/** A schedule row written as it was before the bound: through the db layer, never validated. */
async function storeUnvalidated(deploymentId: string, schedule: StoredSchedule): Promise<string> {
  const [row] = await addSchedules(
    env.DB,
    deploymentId,
    false,
    [{ schedule, active: true, parameters: {}, catchup: 'all', max_active_runs: null }],
    new Date(),
  );
  return row!.id;
}

const nextCheckAt = async (scheduleId: string) =>
  (
    await env.DB.prepare('SELECT next_check_at FROM deployment_schedules WHERE id = ?')
      .bind(scheduleId)
      .first<{ next_check_at: number | null }>()
  )?.next_check_at;

describe('writing a schedule that cannot be planned within the bound', () => {
  it('refuses the deployment with 422 naming schedules[0].schedule.rrule, and stores nothing', async () => {
    const name = unique('deployment');
    const { status, body } = await api<{ field: string; code: string }>('POST', '/deployments', {
      name,
      flow_name: unique('flow'),
      schedules: [{ schedule: { rrule: `${SINCE_1900};BYHOUR=9`, timezone: 'UTC' } }],
    });
    expect(status).toBe(422);
    expect(body).toMatchObject({ field: 'schedules[0].schedule.rrule', code: 'deployment.invalid' });
    const { body: found } = await api<Deployment[]>('POST', '/deployments/filter', {
      deployments: { name: { any_: [name] } },
    });
    expect(found).toEqual([]);
  });

  it('refuses the same through PATCH of a schedule, naming schedule.rrule', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: { interval: 3600 } }] });
    const scheduleId = deployment.schedules[0]!.id;
    const { status, body } = await api<{ field: string }>(
      'PATCH',
      `/deployments/${deployment.id}/schedules/${scheduleId}`,
      { schedule: { rrule: NEVER, timezone: 'UTC' } },
    );
    expect(status).toBe(422);
    expect(body.field).toBe('schedule.rrule');
  });

  it("accepts the probe's rule itself and plans its next minutes at once", async () => {
    const deployment = await createDeployment({
      schedules: [{ schedule: { rrule: SINCE_1900, timezone: 'UTC' } }],
    });
    expectHalfHourly((await runsOf(deployment.id)).map((run) => run.next_scheduled_start_time));
  });
});

describe('a stored schedule that cannot be planned', () => {
  it('is skipped by the tick, which plans the other schedules and looks at it again a day later', async () => {
    const deployment = await createDeployment();
    const hostile = await storeUnvalidated(deployment.id, { rrule: NEVER, timezone: 'UTC' });
    const [other] = await createDeploymentsInBulk([{ schedules: [{ schedule: { interval: 3600 } }] }]);
    const at = Date.now();
    await tick(at);
    expect(await runsOf(deployment.id)).toEqual([]);
    expect(await nextCheckAt(hostile)).toBe(at + 86_400_000);
    expect(await runsOf(other!)).toHaveLength(3);
  });

  it("plans the probe's rule stored before the bound, by arithmetic rather than minute by minute", async () => {
    const deployment = await createDeployment();
    await storeUnvalidated(deployment.id, {
      rrule: SINCE_1900.replace('Z', ''),
      timezone: 'UTC',
    });
    await tick();
    expectHalfHourly((await runsOf(deployment.id)).map((run) => run.next_scheduled_start_time));
  });
});
