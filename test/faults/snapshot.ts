// Everything the API shows, read with the admin key: two equal snapshots mean nothing observable changed.

/** Entity key (`flow_run/<id>`) → its canonical JSON. */
export type Snapshot = Map<string, string>;

/** Fields that move on their own (clocks, heartbeats, key use), not because a request changed anything. */
const VOLATILE = new Set([
  'last_used_at',
  'last_heartbeat_time',
  'status',
  'estimated_run_time',
  'estimated_start_time_delta',
]);

/**
 * A scheduled run goes from Scheduled to Late on the pool's own clock: that is time passing, not a
 * request writing, so both read alike here.
 */
function timeless(item: Record<string, unknown>): Record<string, unknown> {
  const state = item.state as { type?: string; name?: string; state_details?: unknown } | null;
  if (item.state_type !== 'SCHEDULED' || !state || !['Scheduled', 'Late'].includes(state.name ?? ''))
    return item;
  return {
    ...item,
    state: { type: state.type, state_details: state.state_details },
    state_id: null,
    state_name: null,
    updated: null,
  };
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item) => {
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(item).sort()) if (!VOLATILE.has(key)) out[key] = item[key];
      return out;
    }
    return item;
  });
}

/** A path segment for a name, or null when the name cannot be written in a URL (a lone surrogate). */
function segment(name: string): string | null {
  try {
    return encodeURIComponent(name);
  } catch {
    return null;
  }
}

export class SnapshotReader {
  private readonly url: string;
  private readonly key: string;

  constructor(url: string, key: string) {
    this.url = url;
    this.key = key;
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // Kept as text.
    }
    return { status: response.status, json };
  }

  /** Pages through a filter route; a refusal is itself recorded, so it compares like any entity. */
  private async pages(out: Snapshot, kind: string, path: string, body: Record<string, unknown> = {}) {
    for (let offset = 0; ; offset += 200) {
      const { status, json } = await this.call('POST', path, { ...body, limit: 200, offset });
      if (status !== 200 || !Array.isArray(json)) {
        out.set(`${kind}/!unreadable`, `${status} ${canonical(json).slice(0, 200)}`);
        return [];
      }
      for (const item of json as { id: string }[])
        out.set(`${kind}/${item.id}`, canonical(kind === 'flow_run' ? timeless(item) : item));
      if (json.length < 200) return;
    }
  }

  private async list(out: Snapshot, kind: string, path: string): Promise<{ id: string; name?: string }[]> {
    const { status, json } = await this.call('GET', path);
    if (status !== 200 || !Array.isArray(json)) {
      out.set(`${kind}/!unreadable`, `${status} ${canonical(json).slice(0, 200)}`);
      return [];
    }
    for (const item of json as { id: string; name?: string }[])
      out.set(`${kind}/${item.id ?? item.name}`, canonical(item));
    return json as { id: string; name?: string }[];
  }

  async read(): Promise<Snapshot> {
    const out: Snapshot = new Map();
    await this.pages(out, 'flow', '/api/flows/filter');
    await this.pages(out, 'flow_run', '/api/flow_runs/filter', { sort: 'ID_DESC' });
    await this.pages(out, 'task_run', '/api/task_runs/filter');
    // A deployment shows its schedules.
    await this.pages(out, 'deployment', '/api/deployments/filter');
    await this.pages(out, 'work_pool', '/api/work_pools/filter');
    await this.pages(out, 'concurrency_limit', '/api/v2/concurrency_limits/filter');
    for (const [key, value] of [...out]) {
      if (!key.startsWith('work_pool/') || key.includes('!')) continue;
      const name = (JSON.parse(value) as { name: string }).name;
      const at = segment(name);
      if (at === null) {
        out.set(`queue@${key}/!unaddressable`, name);
        continue;
      }
      await this.pages(out, `queue@${name}`, `/api/work_pools/${at}/queues/filter`);
    }
    await this.readLogs(out);
    await this.list(out, 'api_key', '/api/api_keys');
    await this.list(out, 'webhook', '/api/webhooks');
    await this.pages(out, 'automation', '/api/automations/filter');
    return out;
  }

  /** Logs page by id (the followers' cursor), the one order that is stable while nothing changes. */
  private async readLogs(out: Snapshot): Promise<void> {
    let after = 0;
    for (;;) {
      const { status, json } = await this.call('POST', '/api/logs/filter', {
        logs: { id: { gt_: after } },
        limit: 200,
      });
      if (status !== 200 || !Array.isArray(json)) {
        out.set('log/!unreadable', `${status}`);
        return;
      }
      for (const log of json as { id: number }[]) {
        out.set(`log/${log.id}`, canonical(log));
        after = Math.max(after, log.id);
      }
      if (json.length < 200) return;
    }
  }
}

/** The top-level fields that differ between two versions of an entity, each as `field: old → new`. */
function changedFields(before: string, after: string): string {
  let old: Record<string, unknown>;
  let now: Record<string, unknown>;
  try {
    [old, now] = [JSON.parse(before), JSON.parse(after)];
  } catch {
    return `${before.slice(0, 150)} → ${after.slice(0, 150)}`;
  }
  return [...new Set([...Object.keys(old), ...Object.keys(now)])]
    .filter((field) => JSON.stringify(old[field]) !== JSON.stringify(now[field]))
    .map(
      (field) =>
        `${field}: ${JSON.stringify(old[field])?.slice(0, 120)} → ${JSON.stringify(now[field])?.slice(0, 120)}`,
    )
    .join(', ');
}

/** What differs between two snapshots, one line per entity (added, removed or changed). */
export function differences(before: Snapshot, after: Snapshot, limit = 20): string[] {
  const out: string[] = [];
  for (const [key, value] of after) {
    if (!before.has(key)) out.push(`added ${key}: ${value.slice(0, 300)}`);
    else if (before.get(key) !== value) out.push(`changed ${key}: ${changedFields(before.get(key)!, value)}`);
  }
  for (const key of before.keys()) if (!after.has(key)) out.push(`removed ${key}`);
  return out.slice(0, limit);
}
