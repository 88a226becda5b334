// What the run graph needs of a run's task runs, read from the run object's own SQLite: picked out and
// joined into one JSON text in SQL, so 10,000 documents are neither parsed in the object nor copied
// to the caller one object at a time; and a fingerprint that changes with any task run, so a poll of
// an unchanged graph reads nothing more.
import type { TaskRun } from 'edgeflow/protocol';

export type TaskRunSummary = Pick<
  TaskRun,
  'id' | 'task_key' | 'name' | 'state_type' | 'start_time' | 'end_time' | 'task_inputs'
>;

/**
 * Every task run's summary in creation order, as the JSON text of a `TaskRunSummary[]`. A document too
 * deep for SQLite's JSON (caller data stored before the edge limited depth) comes back as its id
 * alone, and is parsed here and put in its place.
 */
export function readTaskRunSummaries(sql: SqlStorage): string {
  const { list } = sql
    .exec<{ list: string }>(
      `SELECT json_group_array(json(summary)) AS list FROM (
         SELECT CASE WHEN json_valid(doc) THEN json_object('id', id, 'task_key', task_key,
           'name', json_extract(doc, '$.name'), 'state_type', json_extract(doc, '$.state_type'),
           'start_time', json_extract(doc, '$.start_time'), 'end_time', json_extract(doc, '$.end_time'),
           'task_inputs', json_extract(doc, '$.task_inputs'))
           ELSE json_object('id', id, 'too_deep', 1) END AS summary
         FROM task_runs ORDER BY rowid)`,
    )
    .one();
  if (!list.includes('"too_deep":1')) return list;
  const summaries = JSON.parse(list) as (TaskRunSummary | { id: string; too_deep: 1 })[];
  return JSON.stringify(
    summaries.map((summary) => {
      if (!('too_deep' in summary)) return summary;
      const [row] = sql.exec<{ doc: string }>('SELECT doc FROM task_runs WHERE id = ?', summary.id).toArray();
      const { id, task_key, name, state_type, start_time, end_time, task_inputs } = JSON.parse(
        row!.doc,
      ) as TaskRun;
      return { id, task_key, name, state_type, start_time, end_time, task_inputs };
    }),
  );
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
