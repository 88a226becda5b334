// Schedule arithmetic: pure functions of a schedule and an instant (cron, interval, rrule; planning; catch-up).
export * from './catchup';
export { occurrences, type StoredSchedule } from './occurrences';
export * from './planning';
export { normaliseSchedule, type ScheduleProblem } from './validation';
export { MAX_SCHEDULE_WORK, UnplannableSchedule } from './work';
