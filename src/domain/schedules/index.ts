// Schedule arithmetic: pure functions of a schedule and an instant (cron, interval, rrule; planning; catch-up).
export * from './catchup';
export { occurrences, type StoredSchedule } from './occurrences';
export * from './planning';
export { normaliseSchedule, type ScheduleProblem } from './validation';
export {
  MAX_REQUEST_SCHEDULE_WORK,
  MAX_SCHEDULE_WORK,
  requestScheduleBudget,
  UnplannableSchedule,
  type WorkBudget,
} from './work';
export * from './write-runs';
