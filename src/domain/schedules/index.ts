// Schedule arithmetic: pure functions of a schedule and an instant (cron, interval, rrule; planning; catch-up).
export * from './catchup';
export { normaliseSchedule, occurrences, type ScheduleProblem, type StoredSchedule } from './occurrences';
export * from './planning';
export { MAX_RRULE_CANDIDATES } from './rrule';
