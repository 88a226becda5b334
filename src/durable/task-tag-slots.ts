// The flow run object's side of task tag limits (docs/concurrency.md, "Task tag limits"): before a
// batch, each RUNNING proposal of a tagged task asks its tags' limits for a slot, held in line up to
// a while if they are full; after it, slots not kept go back, and a task that left RUNNING gives its
// slots back. The slots a task holds are remembered here, so only tasks that hold some cost a call.
import type { StateType, TaskRunBatchItem } from 'edgeflow/protocol';
import { acquisitionOrder } from '../domain/limits';
import { keepsTagSlots, type TagSlotAnswer, tagLimitName } from '../domain/orchestration';
import type { Env } from '../env';
import { namedLimitObject } from './objects';
import type { RunStorage } from './run-storage';
import { hasTable } from './sql-rows';

const SCHEMA = `CREATE TABLE IF NOT EXISTS task_tag_slots (
  task_run_id TEXT NOT NULL, limit_name TEXT NOT NULL, PRIMARY KEY (task_run_id, limit_name))`;

/** How long a RUNNING proposal is held waiting for a tag slot before it is answered WAIT (propose again). */
export const TAG_SLOT_HOLD_MS = 20_000;
/**
 * A tag slot's lease. The run object gives slots back when tasks end and when the flow run ends
 * (a crashed or cancelled run too); the lease is the backstop for a run object that never could.
 */
export const TAG_SLOT_LEASE_SECONDS = 24 * 3600;

/** A proposal that may free a tag slot: any state a task leaves RUNNING for. */
function mayFreeTagSlot(type: StateType): boolean {
  return !['RUNNING', 'PENDING', 'SCHEDULED'].includes(type);
}

export interface TagSlotRequest {
  index: number;
  taskRunId: string;
  tags: string[];
}

/** The RUNNING proposals of tagged tasks in a batch (forced ones take no slots, as in Prefect). */
export function tagSlotRequests(storage: RunStorage, items: readonly TaskRunBatchItem[]): TagSlotRequest[] {
  const created = new Map<string, string[]>();
  const requests: TagSlotRequest[] = [];
  for (const [index, item] of items.entries()) {
    if (item.op === 'create') {
      created.set(item.task_run.id, item.task_run.tags ?? []);
      continue;
    }
    if (item.state.type !== 'RUNNING' || item.force) continue;
    const tags = created.get(item.task_run_id) ?? storage.readTaskRun(item.task_run_id)?.doc.tags ?? [];
    if (tags.length > 0) requests.push({ index, taskRunId: item.task_run_id, tags });
  }
  return requests;
}

export class TaskTagSlots {
  /**
   * Whether the object has the slots table; undefined: not looked up since the object loaded. Only a
   * slot kept makes the table, so a run whose tasks never hold one (most runs) never gets it: its
   * end and its batches read `sqlite_master` once instead of making a table in their commit.
   */
  private tableExists: boolean | undefined;
  /** undefined: not looked up since the object loaded or since slots were given back. */
  private holding: boolean | undefined;

  constructor(
    private readonly sql: () => SqlStorage,
    private readonly env: Env,
  ) {}

  /** Asks for the slots of every tagged RUNNING proposal in the batch, each task in parallel. */
  async secureAll(
    flowRunId: string,
    storage: RunStorage,
    items: readonly TaskRunBatchItem[],
  ): Promise<{ answers: Map<number, TagSlotAnswer>; granted: Map<string, string[]> }> {
    const answers = new Map<number, TagSlotAnswer>();
    const granted = new Map<string, string[]>();
    const requests = tagSlotRequests(storage, items);
    // A batch that also ends tasks is not held: the slot it waits for may be one this batch frees.
    const holdMs = items.every((item) => item.op === 'create' || !mayFreeTagSlot(item.state.type))
      ? TAG_SLOT_HOLD_MS
      : 0;
    await Promise.all(
      requests.map(async (request) => {
        const answer = await this.secure(flowRunId, request, holdMs);
        if (answer) answers.set(request.index, answer);
        if (answer?.kind === 'granted') granted.set(request.taskRunId, answer.limits);
      }),
    );
    return { answers, granted };
  }

  /**
   * Takes a slot of every tag limit the task is subject to, all or nothing, in sorted order; tags
   * without a limit are skipped. The lease is the task run's id, so asking again keeps the slot.
   */
  async secure(flowRunId: string, request: TagSlotRequest, holdMs: number): Promise<TagSlotAnswer | null> {
    const deadline = Date.now() + holdMs;
    const granted: string[] = [];
    for (const tag of acquisitionOrder(request.tags)) {
      const name = tagLimitName(tag);
      const reply = await namedLimitObject(this.env, name).takeSlots(name, {
        lease_id: request.taskRunId,
        slots: 1,
        mode: 'concurrency',
        lease_seconds: TAG_SLOT_LEASE_SECONDS,
        holder: { type: 'task_run', id: request.taskRunId, flow_run_id: flowRunId },
        wait_ms: Math.max(0, deadline - Date.now()),
      });
      if (reply.kind === 'granted') {
        granted.push(name);
        continue;
      }
      if (reply.kind === 'refused' && reply.problem.status === 404) continue;
      await this.giveBack(request.taskRunId, granted);
      if (reply.kind === 'refused') return { kind: 'zero', tag };
      // Held for the whole wait without a slot: the client asks again at once, and is held again.
      return { kind: 'wait', tag, delay_seconds: 0 };
    }
    return granted.length > 0 ? { kind: 'granted', limits: granted } : null;
  }

  /**
   * After the batch: a grant the task did not keep (the proposal was rejected, or the task already
   * moved on) goes back; a task run now outside RUNNING/CANCELLING gives back what it held.
   */
  async settle(
    granted: ReadonlyMap<string, string[]>,
    stateOf: (taskRunId: string) => StateType | null,
    items: readonly TaskRunBatchItem[],
  ): Promise<void> {
    const touched = items.map((item) => (item.op === 'create' ? item.task_run.id : item.task_run_id));
    const releases: [string, string[]][] = [];
    for (const [taskRunId, names] of granted) {
      if (keepsTagSlots(stateOf(taskRunId))) this.remember(taskRunId, names);
      else releases.push([taskRunId, names]);
    }
    // Most runs hold no slots at all: then a batch costs no lookup per task run it touched.
    if (this.holdsAny()) {
      for (const taskRunId of new Set(touched)) {
        const held = this.held(taskRunId);
        if (held.length > 0 && !keepsTagSlots(stateOf(taskRunId))) releases.push([taskRunId, held]);
      }
    }
    await Promise.all(releases.map(([taskRunId, names]) => this.giveBack(taskRunId, names)));
  }

  /** The flow run ended (or was deleted): every task's slots go back. */
  async releaseAll(): Promise<void> {
    const rows =
      this.existingTable()
        ?.exec<{ task_run_id: string; limit_name: string }>(
          'SELECT task_run_id, limit_name FROM task_tag_slots',
        )
        .toArray() ?? [];
    await Promise.all(rows.map((row) => this.giveBack(row.task_run_id, [row.limit_name])));
  }

  /** Whether any task of this run may hold a slot: looked up once, then kept up to date here. */
  private holdsAny(): boolean {
    this.holding ??=
      (this.existingTable()?.exec('SELECT 1 FROM task_tag_slots LIMIT 1').toArray().length ?? 0) > 0;
    return this.holding;
  }

  private remember(taskRunId: string, names: string[]): void {
    if (names.length > 0) this.holding = true;
    for (const name of names) {
      this.table().exec('INSERT OR IGNORE INTO task_tag_slots VALUES (?, ?)', taskRunId, name);
    }
  }

  private held(taskRunId: string): string[] {
    return (
      this.existingTable()
        ?.exec<{ limit_name: string }>(
          'SELECT limit_name FROM task_tag_slots WHERE task_run_id = ?',
          taskRunId,
        )
        .toArray()
        .map((row) => row.limit_name) ?? []
    );
  }

  private async giveBack(taskRunId: string, names: string[]): Promise<void> {
    await Promise.all(
      names.map((name) =>
        namedLimitObject(this.env, name)
          .releaseLease(taskRunId)
          // A lost release is a slot held until its lease lapses (TAG_SLOT_LEASE_SECONDS).
          .catch((error) => console.error('tag slot release failed', error)),
      ),
    );
    const table = this.existingTable();
    if (table) {
      for (const name of names) {
        table.exec('DELETE FROM task_tag_slots WHERE task_run_id = ? AND limit_name = ?', taskRunId, name);
      }
    }
    // Others may still hold some: looked up again when next needed.
    if (names.length > 0) this.holding = undefined;
  }

  /** The object's storage was wiped (the run deleted): what was known of the table is gone with it. */
  forget(): void {
    this.tableExists = undefined;
    this.holding = undefined;
  }

  /** The slots table, made if need be: for storing a slot. */
  private table(): SqlStorage {
    if (!this.tableExists) {
      this.sql().exec(SCHEMA);
      this.tableExists = true;
    }
    return this.sql();
  }

  /** The slots table if the object has one: for reading and deleting slots (none without it). */
  private existingTable(): SqlStorage | null {
    this.tableExists ??= hasTable(this.sql(), 'task_tag_slots');
    return this.tableExists ? this.sql() : null;
  }
}
