// A deployment write creates only its schedules' first runs in the request (3 a schedule, 6 in all);
// the next Cron Trigger tick creates the rest of each plan, so a dense schedule costs a write little.
import { env } from 'cloudflare:workers';
import type { FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import {
  plannedRunTimes,
  type StoredSchedule,
  WRITE_RUNS_PER_REQUEST,
  WRITE_RUNS_PER_SCHEDULE,
} from '../../src/domain/schedules';
import { api } from './api';
import { createDeployment, runsOf, tick } from './deployments-api';

const MINUTELY: [string, Record<string, unknown>][] = [
  ['a cron every minute', { cron: '* * * * *', timezone: 'UTC' }],
  ['an interval of 60 s', { interval: 60 }],
  ['an rrule FREQ=MINUTELY', { rrule: 'FREQ=MINUTELY', timezone: 'UTC' }],
];

const times = (runs: FlowRun[]) => runs.map((run) => Date.parse(run.next_scheduled_start_time!));

async function watermark(scheduleId: string) {
  return env.DB.prepare('SELECT scheduled_until, next_check_at FROM deployment_schedules WHERE id = ?')
    .bind(scheduleId)
    .first<{ scheduled_until: number | null; next_check_at: number | null }>();
}

describe('a write plans only the first runs of a dense schedule', { timeout: 60_000 }, () => {
  it.each(MINUTELY)(
    '%s: 3 runs in the request, the rest of the hour at the next tick',
    async (_, schedule) => {
      const deployment = await createDeployment({ schedules: [{ schedule }] });
      const first = await runsOf(deployment.id);
      expect(first).toHaveLength(WRITE_RUNS_PER_SCHEDULE);
      // Left due at once, its watermark at the last run created: the tick goes on from there.
      expect(await watermark(deployment.schedules[0]!.id)).toEqual({
        scheduled_until: times(first).at(-1),
        next_check_at: 0,
      });

      const at = Date.now();
      await tick(at);
      const stored = deployment.schedules[0]!.schedule as StoredSchedule;
      const horizon = plannedRunTimes(stored, at);
      expect(horizon.length).toBeGreaterThan(WRITE_RUNS_PER_SCHEDULE);
      const all = times(await runsOf(deployment.id));
      expect(new Set(all).size).toBe(all.length);
      expect(all).toEqual(expect.arrayContaining([...times(first), ...horizon]));
      expect((await watermark(deployment.schedules[0]!.id))!.next_check_at).toBeGreaterThan(at);
    },
  );

  it('a deployment with many dense schedules gets 6 runs in all; the tick plans every schedule', async () => {
    const everyQuarter = { interval: 900 };
    const deployment = await createDeployment({
      schedules: Array.from({ length: 5 }, () => ({ schedule: everyQuarter })),
    });
    expect(await runsOf(deployment.id)).toHaveLength(WRITE_RUNS_PER_REQUEST);

    const at = Date.now();
    await tick(at);
    const runs = await runsOf(deployment.id);
    for (const schedule of deployment.schedules) {
      const planned = plannedRunTimes(schedule.schedule as StoredSchedule, at);
      const mine = runs.filter((run) => run.idempotency_key?.includes(` ${schedule.id} `));
      expect(times(mine)).toEqual(expect.arrayContaining(planned));
    }
  });

  it('adding a schedule, replacing one, and resuming each plan 3 runs of a minutely schedule', async () => {
    const minutely = { interval: 60 };
    const deployment = await createDeployment();
    const added = await api('POST', `/deployments/${deployment.id}/schedules`, [{ schedule: minutely }]);
    expect(added.status).toBe(201);
    expect(await runsOf(deployment.id)).toHaveLength(WRITE_RUNS_PER_SCHEDULE);

    const [schedule] = (await api<{ id: string }[]>('GET', `/deployments/${deployment.id}/schedules`)).body;
    const before = Date.now();
    const patched = await api('PATCH', `/deployments/${deployment.id}/schedules/${schedule!.id}`, {
      schedule: { interval: 120 },
    });
    expect(patched.status).toBe(204);
    // A run already due when the schedule changed stays (only future runs are withdrawn).
    const ahead = times(await runsOf(deployment.id)).filter((time) => time >= before);
    expect(ahead).toHaveLength(WRITE_RUNS_PER_SCHEDULE);

    await api('POST', `/deployments/${deployment.id}/pause_deployment`);
    expect((await api('POST', `/deployments/${deployment.id}/resume_deployment`)).status).toBe(204);
    expect(await runsOf(deployment.id)).toHaveLength(WRITE_RUNS_PER_SCHEDULE);
  });
});
