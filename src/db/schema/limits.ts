// Named concurrency limits and the leases that hold their slots (docs/concurrency.md).
import { sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The index of named concurrency limits: for filters and reads by id. Each limit's settings, counters
 * and leases live in its object, found by name (docs/concurrency.md).
 */
export const concurrencyLimits = sqliteTable('concurrency_limits', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  created: text('created').notNull(),
});

/** Which limits a lease holds slots of, so that renewing or releasing it by id finds their objects. */
export const concurrencyLeases = sqliteTable('concurrency_leases', {
  id: text('id').primaryKey(),
  /** JSON array of limit names. */
  names: text('names', { mode: 'json' }).notNull().$type<string[]>(),
  created: text('created').notNull(),
});
