// Variables and artifacts (docs/variables.md, docs/artifacts.md).
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Variables (docs/variables.md): a named JSON value, kept as its JSON text. */
export const variables = sqliteTable('variables', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  value: text('value').notNull(),
  tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
  created: text('created').notNull(),
  updated: text('updated').notNull(),
});

/**
 * Artifacts (docs/artifacts.md): every create is a row; the latest of a key is its highest `seq`.
 * `data` is the JSON text, or null when it went to R2 under `data_key`.
 */
export const artifacts = sqliteTable(
  'artifacts',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    key: text('key'),
    type: text('type').notNull(),
    description: text('description'),
    data: text('data'),
    dataKey: text('data_key'),
    metadata: text('metadata', { mode: 'json' }).$type<Record<string, string>>(),
    flowRunId: text('flow_run_id'),
    taskRunId: text('task_run_id'),
    created: text('created').notNull(),
    updated: text('updated').notNull(),
  },
  (t) => [index('artifacts_key').on(t.key, t.seq), index('artifacts_flow_run').on(t.flowRunId, t.seq)],
);
