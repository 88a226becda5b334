// Prefect's filter bodies translated to SQL over the D1 index. Lists are bound as one JSON
// parameter (`IN (SELECT value FROM json_each(?))`) so a 200-id filter stays within D1's 100 bound parameters.
import { and, or, type SQL, sql } from 'drizzle-orm';
import type { FlowFilter, FlowRunFilter } from 'edgeflow/protocol';

export function inList(column: SQL, values: readonly string[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
}

export function notInList(column: SQL, values: readonly string[]): SQL {
  return sql`${column} NOT IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
}

/**
 * Prefect's `like_`: the caller's text anywhere in the value, ASCII case ignored, `%` and `_` taken
 * literally. instr() rather than LIKE: D1 refuses LIKE patterns of 50 characters or more.
 */
export function likeSubstring(column: SQL, text: string): SQL {
  return sql`instr(lower(${column}), lower(${text})) > 0`;
}

function timeRange(
  column: SQL,
  range: { before_?: string; after_?: string; is_null_?: boolean } | undefined,
): SQL[] {
  if (!range) return [];
  const out: SQL[] = [];
  // Stored times are UTC ISO strings; normalise the caller's so text order is time order.
  if (range.before_) out.push(sql`${column} <= ${new Date(range.before_).toISOString()}`);
  if (range.after_) out.push(sql`${column} >= ${new Date(range.after_).toISOString()}`);
  if (range.is_null_ !== undefined)
    out.push(range.is_null_ ? sql`${column} IS NULL` : sql`${column} IS NOT NULL`);
  return out;
}

const col = (name: string) => sql.raw(name);

export function flowConditions(filter: FlowFilter | undefined, alias = 'flows'): SQL[] {
  if (!filter) return [];
  const out: SQL[] = [];
  if (filter.id?.any_) out.push(inList(col(`${alias}.id`), filter.id.any_));
  if (filter.name?.any_) out.push(inList(col(`${alias}.name`), filter.name.any_));
  if (filter.name?.like_) out.push(likeSubstring(col(`${alias}.name`), filter.name.like_));
  for (const tag of filter.tags?.all_ ?? []) {
    out.push(sql`EXISTS (SELECT 1 FROM json_each(${col(`${alias}.tags`)}) WHERE value = ${tag})`);
  }
  return out;
}

export function flowRunConditions(filter: FlowRunFilter | undefined): SQL[] {
  if (!filter) return [];
  const out: SQL[] = [];
  const c = (name: string) => col(`flow_runs.${name}`);
  if (filter.id?.any_) out.push(inList(c('id'), filter.id.any_));
  if (filter.id?.not_any_) out.push(notInList(c('id'), filter.id.not_any_));
  if (filter.name?.any_) out.push(inList(c('name'), filter.name.any_));
  if (filter.name?.like_) out.push(likeSubstring(c('name'), filter.name.like_));
  for (const tag of filter.tags?.all_ ?? []) {
    out.push(
      sql`EXISTS (SELECT 1 FROM flow_run_tags t WHERE t.flow_run_id = flow_runs.id AND t.tag = ${tag})`,
    );
  }
  if (filter.tags?.any_) {
    out.push(
      sql`EXISTS (SELECT 1 FROM flow_run_tags t WHERE t.flow_run_id = flow_runs.id AND ${inList(col('t.tag'), filter.tags.any_)})`,
    );
  }
  if (filter.tags?.is_null_ !== undefined) {
    out.push(filter.tags.is_null_ ? sql`${c('tags')} = '[]'` : sql`${c('tags')} <> '[]'`);
  }
  if (filter.deployment_id?.any_) out.push(inList(c('deployment_id'), filter.deployment_id.any_));
  if (filter.deployment_id?.is_null_ !== undefined) {
    out.push(
      filter.deployment_id.is_null_
        ? sql`${c('deployment_id')} IS NULL`
        : sql`${c('deployment_id')} IS NOT NULL`,
    );
  }
  if (filter.work_queue_name?.any_) out.push(inList(c('work_queue_name'), filter.work_queue_name.any_));
  if (filter.work_pool_name?.any_) out.push(inList(c('work_pool_name'), filter.work_pool_name.any_));
  if (filter.flow_id?.any_) out.push(inList(c('flow_id'), filter.flow_id.any_));
  if (filter.state?.type?.any_) out.push(inList(c('state_type'), filter.state.type.any_));
  if (filter.state?.type?.not_any_) out.push(notInList(c('state_type'), filter.state.type.not_any_));
  if (filter.state?.name?.any_) out.push(inList(c('state_name'), filter.state.name.any_));
  if (filter.state?.name?.not_any_) out.push(notInList(c('state_name'), filter.state.name.not_any_));
  out.push(...timeRange(c('start_time'), filter.start_time));
  out.push(...timeRange(c('end_time'), filter.end_time));
  out.push(...timeRange(c('expected_start_time'), filter.expected_start_time));
  out.push(...timeRange(c('next_scheduled_start_time'), filter.next_scheduled_start_time));
  if (filter.parent_task_run_id?.any_)
    out.push(inList(c('parent_task_run_id'), filter.parent_task_run_id.any_));
  if (filter.parent_task_run_id?.is_null_ !== undefined) {
    out.push(
      filter.parent_task_run_id.is_null_
        ? sql`${c('parent_task_run_id')} IS NULL`
        : sql`${c('parent_task_run_id')} IS NOT NULL`,
    );
  }
  if (filter.idempotency_key?.any_) out.push(inList(c('idempotency_key'), filter.idempotency_key.any_));
  if (out.length > 1 && filter.operator === 'or_') return [or(...out)!];
  return out;
}

/** Flow-run conditions plus "the run's flow matches", as Prefect joins the two filters. */
export function flowRunWhere(
  flows: FlowFilter | undefined,
  flowRuns: FlowRunFilter | undefined,
): SQL | undefined {
  const conditions = flowRunConditions(flowRuns);
  const flowSide = flowConditions(flows, 'f');
  if (flowSide.length > 0) {
    conditions.push(sql`flow_runs.flow_id IN (SELECT f.id FROM flows f WHERE ${and(...flowSide)})`);
  }
  return conditions.length > 0 ? and(...conditions) : undefined;
}
