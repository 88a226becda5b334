// The automations evaluator (docs/automations.md): one object that reads D1's events after its seq
// cursor, feeds them to every enabled automation's trigger (a pure state machine), records firings
// and their actions in its own SQLite in one transaction, then carries the actions out, each once per
// firing, and stores their outcomes as events. Writers nudge it after storing events; its alarm wakes
// it for proactive windows and as the fallback when a nudge is lost.
import { DurableObject } from 'cloudflare:workers';
import type { Event } from 'edgeflow/protocol';
import { enabledAutomations } from '../db/automations';
import {
  type AnyTriggerState,
  type Automation,
  actionOutcomeEvent,
  actionStateEventId,
  automationsWritten,
  enabledRead,
  type Firing,
  firingActions,
  firingKey,
  firingStates,
  isOwnEvent,
  nextWake,
  noneEnabledKnown,
  startTrigger,
  templateContext,
  triggerAtTime,
  triggerOnEvent,
  triggerStateEvents,
  UNKNOWN_ENABLED,
} from '../domain/automations';
import { retentionCutoff } from '../domain/events';
import type { Env } from '../env';
import { type ActionCall, failed } from './action-call';
import { executeAction } from './automation-actions';
import { AutomationFirings, FIRINGS_SCHEMA } from './automation-firings';
import { LOOP_GUARD_SCHEMA, LoopGuards } from './automation-loop-guards';
import { StateEventOutbox } from './automation-state-events';
import { type Clock, systemClock } from './clock';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cursor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS trigger_states (automation_id TEXT PRIMARY KEY, trigger TEXT NOT NULL, state TEXT NOT NULL);
`;

/** Events read per D1 query; a longer backlog is read page after page in the same pass. */
const PAGE = 500;
/** Firings deleted per Cron tick at most; a backlog goes on at the next tick. */
const FIRINGS_PRUNED_PER_TICK = 5_000;
/** The fallback wake-up when no nudge comes: a lost nudge costs at most this much latency. */
const FALLBACK_MS = 5_000;

export class AutomationsObject extends DurableObject<Env> {
  /** Replaced by tests to move time (see clock.ts). */
  clock: Clock = systemClock;
  private draining: Promise<void> | null = null;
  private again = false;
  /** Whether D1 is known to have no enabled automation (enabled-knowledge.ts). */
  private enabled = UNKNOWN_ENABLED;

  private readonly stateEvents: StateEventOutbox;
  private readonly firingRecord: AutomationFirings;
  /** Public so tests can lower its per-minute budget. */
  readonly loopGuards: LoopGuards;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
    ctx.storage.sql.exec(FIRINGS_SCHEMA);
    ctx.storage.sql.exec(LOOP_GUARD_SCHEMA);
    this.stateEvents = new StateEventOutbox(ctx.storage.sql, env.DB);
    this.loopGuards = new LoopGuards(ctx.storage.sql);
    this.firingRecord = new AutomationFirings(ctx.storage.sql);
  }

  /**
   * Called by writers after they stored events: evaluate now. One drain at a time; a nudge during it
   * makes it go round again, and every caller's promise settles once its events have been evaluated.
   * `automationsChanged`: an automation was written (created, replaced, patched, deleted, a
   * deployment's triggers), so what the object knew of the enabled ones is forgotten first.
   */
  async nudge({ automationsChanged = false }: { automationsChanged?: boolean } = {}): Promise<void> {
    if (automationsChanged) this.enabled = automationsWritten(this.enabled);
    this.again = true;
    this.draining ??= this.drain().finally(() => {
      this.draining = null;
    });
    await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.again) {
      this.again = false;
      await this.pass();
      await this.runPendingActions();
    }
    await this.armAlarm();
  }

  async alarm(): Promise<void> {
    await this.nudge();
  }

  /** Firings recorded, newest first (the automation's history). */
  firings(automationId: string, limit = 50): { key: string; firing: Firing }[] {
    return this.firingRecord.history(automationId, limit);
  }

  /**
   * Firings recorded before the events' retention cut-off go, by this object's clock, up to `limit`;
   * the Cron Trigger calls it each tick, beside the events' own pruning (automation-firings.ts).
   */
  pruneFirings(limit = FIRINGS_PRUNED_PER_TICK): void {
    const cutoff = retentionCutoff(new Date(this.clock.now()), this.env.EDGEFLOW_EVENTS_RETENTION_DAYS);
    this.firingRecord.prune(cutoff.getTime(), limit);
  }

  private cursor(): number | null {
    return this.ctx.storage.sql.exec<{ seq: number }>('SELECT seq FROM cursor').toArray()[0]?.seq ?? null;
  }

  /** One page of events through every enabled trigger, committed with the cursor in one transaction. */
  private async pass(): Promise<void> {
    const sql = this.ctx.storage.sql;
    // Most nudges come while none is enabled (every run's state changes nudge): then no D1 query.
    if (noneEnabledKnown(this.enabled, this.clock.now())) return;
    const writesAtRead = this.enabled.writes;
    const automationsRead = await enabledAutomations(this.env.DB);
    this.enabled = enabledRead(this.enabled, {
      writesAtRead,
      enabled: automationsRead.length,
      now: this.clock.now(),
    });
    if (automationsRead.length === 0) {
      // Nothing to evaluate: no events read, no alarm; the next cursor starts at what enables one.
      sql.exec('DELETE FROM cursor');
      sql.exec('DELETE FROM trigger_states');
      return;
    }
    const cursor = this.cursor();
    // A first cursor starts at the earliest last change of an enabled automation (its creation, or
    // the resume or edit that enabled it): it acts on what follows, not on what happened while none
    // was enabled, as a paused automation acts on nothing.
    const since = automationsRead.map((a) => a.updated).sort()[0] ?? '';
    const eventsRead =
      cursor === null
        ? await this.env.DB.prepare(
            'SELECT COALESCE(MAX(seq), 0) AS seq, NULL AS doc FROM events WHERE occurred < ?',
          )
            .bind(since)
            .all<{ seq: number; doc: string | null }>()
        : await this.env.DB.prepare('SELECT seq, doc FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
            .bind(cursor, PAGE)
            .all<{ seq: number; doc: string | null }>();
    const now = this.clock.now();
    const rows = eventsRead.results;
    const events = cursor === null ? [] : rows.map((row) => JSON.parse(row.doc as string) as Event);
    const nextCursor = rows.length > 0 ? (rows[rows.length - 1]?.seq ?? cursor ?? 0) : (cursor ?? 0);
    const stored = new Map(
      sql
        .exec<{ automation_id: string; trigger: string; state: string }>(
          'SELECT automation_id, trigger, state FROM trigger_states',
        )
        .toArray()
        .map((row) => [row.automation_id, row]),
    );
    const results: { automation: Automation; trigger: string; state: AnyTriggerState; firings: Firing[] }[] =
      [];
    for (const automation of automationsRead) {
      const trigger = JSON.stringify(automation.trigger);
      const previous = stored.get(automation.id);
      // A new, re-enabled or changed trigger starts afresh.
      let state =
        previous && previous.trigger === trigger
          ? (JSON.parse(previous.state) as AnyTriggerState)
          : startTrigger(automation.trigger, now);
      const firings: Firing[] = [];
      for (const event of events) {
        if (isOwnEvent(automation.id, event)) continue;
        const settled = triggerAtTime(automation.trigger, state, Math.min(Date.parse(event.occurred), now));
        const evaluated = triggerOnEvent(automation.trigger, settled.state, event);
        firings.push(...settled.firings, ...evaluated.firings);
        state = evaluated.state;
      }
      const settled = triggerAtTime(automation.trigger, state, now);
      firings.push(...settled.firings);
      results.push({ automation, trigger, state: settled.state, firings });
    }
    this.ctx.storage.transactionSync(() => {
      sql.exec(
        'INSERT INTO cursor (id, seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq',
        nextCursor,
      );
      sql.exec('DELETE FROM trigger_states');
      for (const { automation, trigger, state, firings } of results) {
        sql.exec(
          'INSERT INTO trigger_states (automation_id, trigger, state) VALUES (?, ?, ?)',
          automation.id,
          trigger,
          JSON.stringify(state),
        );
        for (const firing of firings) this.recordFiring(automation, firing, now);
      }
    });
    // The first pass only placed the cursor; the events after it are read straight away.
    if (cursor === null || rows.length === PAGE) this.again = true;
  }

  /** A firing and its actions, once: a replayed firing has the same key and is ignored. */
  private recordFiring(automation: Automation, firing: Firing, now: number) {
    const key = firingKey(automation.id, firing);
    if (!this.firingRecord.record(key, automation.id, firing, now)) return;
    // The state events are stored with the first action outcome written after them (off the action's path).
    const ids = { Triggered: crypto.randomUUID(), Resolved: crypto.randomUUID() };
    const stateEvents = triggerStateEvents(automation, firing, ids);
    this.stateEvents.add(stateEvents);
    const stored = Object.fromEntries(firingStates(firing).map((state) => [state, ids[state]]));
    this.firingRecord.owe(
      key,
      firingActions(automation, firing).map(({ list, action }) => ({
        automation: { id: automation.id, name: automation.name },
        firing,
        action,
        state_event_id: actionStateEventId(list, stored),
      })),
    );
  }

  /**
   * Each pending action, then its outcome event, then its row deleted. A failure is an outcome like
   * any other, so it never holds up the actions after it; only a refused outcome write leaves the row
   * for the next pass (run-deployment is keyed by the firing, so a repeat finds its run).
   */
  private async runPendingActions(): Promise<void> {
    for (const row of this.firingRecord.owed()) {
      const { automation, firing, action, state_event_id } = row.pending;
      const now = new Date(this.clock.now());
      const context = templateContext(firing.event, automation, {
        id: row.key,
        triggered: firing.triggered,
        labels: firing.labels,
      });
      const outcome = await this.execute(automation.id, {
        action,
        key: `${row.key} ${row.idx}`,
        context,
        event: firing.event,
        now,
      });
      const event = actionOutcomeEvent(
        automation,
        {
          key: row.key,
          trigger_type: firing.trigger_type ?? 'event',
          posture: firing.posture,
          event_id: firing.event?.id ?? null,
          state_event_id: state_event_id ?? null,
        },
        { index: row.idx, type: action.type },
        outcome,
        { id: crypto.randomUUID(), occurred: now },
      );
      // A resume may have enabled an automation while none was.
      if (action.type === 'resume-automation') this.enabled = automationsWritten(this.enabled);
      if (!(await this.stateEvents.write([event], now))) continue;
      this.firingRecord.settled(row.key, row.idx);
    }
    // A firing with no actions still leaves its state events.
    if (this.stateEvents.waiting) await this.stateEvents.write([], new Date(this.clock.now()));
  }

  /** One action, unless a loop guard holds it back (automation-loop-guards.ts). */
  private async execute(automationId: string, call: ActionCall) {
    const admission = this.loopGuards.admit(automationId, call);
    if ('blocked' in admission) return failed(admission.blocked);
    const outcome = await executeAction(this.env, call);
    this.loopGuards.acted(automationId, call, admission, outcome);
    return outcome;
  }

  /** The earliest proactive window end, the fallback poll, or soon when actions are still pending. */
  private async armAlarm(): Promise<void> {
    const now = this.clock.now();
    const watching = this.ctx.storage.sql.exec('SELECT 1 FROM trigger_states LIMIT 1').toArray().length > 0;
    let next = watching ? now + FALLBACK_MS : Number.POSITIVE_INFINITY;
    for (const row of this.ctx.storage.sql.exec<{ state: string; trigger: string }>(
      'SELECT trigger, state FROM trigger_states',
    )) {
      const end = nextWake(JSON.parse(row.trigger), JSON.parse(row.state) as AnyTriggerState);
      if (end !== null && end < next) next = end;
    }
    if (this.firingRecord.anyOwed()) next = Math.min(next, now + 1_000);
    if (next === Number.POSITIVE_INFINITY) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next || current < now) await this.ctx.storage.setAlarm(next);
  }
}
