// The scheduled-time rules that flow and task policies share: keep the time through PENDING, wait for it.
import { proceed, type Rule, wait } from './pipeline';

export function copyScheduledTime<Run, Extra>(): Rule<Run, Extra> {
  return {
    name: 'CopyScheduledTime',
    from: ['SCHEDULED'],
    to: ['PENDING'],
    decide: ({ initial, proposed }) =>
      proposed.state_details.scheduled_time
        ? proceed()
        : proceed({
            proposed: {
              ...proposed,
              state_details: {
                ...proposed.state_details,
                scheduled_time: initial?.state_details.scheduled_time,
              },
            },
          }),
  };
}

/** A run claimed or prefetched early starts no sooner than its scheduled time. */
export function waitForScheduledTime<Run, Extra>(): Rule<Run, Extra> {
  return {
    name: 'WaitForScheduledTime',
    from: ['SCHEDULED', 'PENDING'],
    to: ['RUNNING'],
    decide: ({ initial, clock }) => {
      const scheduled = initial?.state_details.scheduled_time;
      if (!scheduled) return proceed();
      const delay = (Date.parse(scheduled) - clock.now.getTime()) / 1000;
      return delay > 0 ? wait(delay, 'Scheduled time is in the future') : proceed();
    },
  };
}
