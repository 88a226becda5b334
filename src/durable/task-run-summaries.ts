// What the run graph needs of a run's task runs, read from the run object's own SQLite: picked out in
// SQL, so 10,000 documents are neither parsed in the object nor copied whole to the caller; and a
// fingerprint that changes with any task run, so a poll of an unchanged graph reads nothing more.
import type { TaskRun } from 'edgeflow/protocol';

export type TaskRunSummary = Pick<
  TaskRun,
  'id' | 'task_key' | 'name' | 'state_type' | 'start_time' | 'end_time' | 'task_inputs'
>;

/** Every task run in creation order; a document too deep for SQLite's JSON (caller data) is parsed here. */
export function readTaskRunSummaries(sql: SqlStorage): TaskRunSummary[] {
  const rows = sql
    .exec<{ summary: string | null; doc: string | null }>(
      `SELECT CASE WHEN json_valid(doc) THEN json_object('id', id, 'task_key', task_key,
           'name', json_extract(doc, '$.name'), 'state_type', json_extract(doc, '$.state_type'),
           'start_time', json_extract(doc, '$.start_time'), 'end_time', json_extract(doc, '$.end_time'),
           'task_inputs', json_extract(doc, '$.task_inputs')) END AS summary,
         CASE WHEN json_valid(doc) THEN NULL ELSE doc END AS doc
       FROM task_runs ORDER BY rowid`,
    )
    .toArray();
  return rows.map((row) => {
    if (row.summary !== null) return JSON.parse(row.summary) as TaskRunSummary;
    const { id, task_key, name, state_type, start_time, end_time, task_inputs } = JSON.parse(
      row.doc!,
    ) as TaskRun;
    return { id, task_key, name, state_type, start_time, end_time, task_inputs };
  });
}

/**
 * How many task runs there are and the sum of their versions: every write of a task run bumps its
 * version and none is deleted but with the run, so any change changes this.
 */
export function readTaskRunsFingerprint(sql: SqlStorage): string {
  const row = sql
    .exec<{ n: number; v: number }>('SELECT count(*) AS n, coalesce(sum(version), 0) AS v FROM task_runs')
    .one();
  return `${row.n}.${row.v}`;
}
