// What the run graph needs of a run's task runs, read from the run object's own SQLite: picked out in
// SQL, so 10,000 documents are neither parsed in the object nor copied whole to the caller.
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
