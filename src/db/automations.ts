// Automations in D1: the body as one JSON document, `enabled` beside it; each change and its
// lifecycle events in one batch, the events kept only when the change found its row (docs/automations.md).

import type { Automation, AutomationFilterBody } from '../domain/automations';
import type { NewEvent } from '../domain/events';
import { newEventStatements } from './events';

interface AutomationRow {
  id: string;
  doc: string;
  created: string;
  updated: string;
}

function toAutomation(row: AutomationRow): Automation {
  return { ...(JSON.parse(row.doc) as Automation), id: row.id, created: row.created, updated: row.updated };
}

/** The stored document: the body without the row's own columns. */
function docOf(automation: Automation): string {
  const { id: _id, created: _created, updated: _updated, ...body } = automation;
  return JSON.stringify(body);
}

export async function insertAutomation(
  db: D1Database,
  automation: Automation,
  events: readonly NewEvent[],
  now: Date,
) {
  await db.batch([
    db
      .prepare('INSERT INTO automations (id, name, enabled, doc, created, updated) VALUES (?, ?, ?, ?, ?, ?)')
      .bind(
        automation.id,
        automation.name,
        automation.enabled ? 1 : 0,
        docOf(automation),
        automation.created,
        automation.updated,
      ),
    ...newEventStatements(db, events, now),
  ]);
}

export async function readAutomation(db: D1Database, id: string): Promise<Automation | null> {
  const row = await db
    .prepare('SELECT id, doc, created, updated FROM automations WHERE id = ?')
    .bind(id)
    .first<AutomationRow>();
  return row ? toAutomation(row) : null;
}

/** Replaces the automation; false when it is gone (then no event is stored either). */
export async function writeAutomation(
  db: D1Database,
  automation: Automation,
  events: readonly NewEvent[],
  now: Date,
) {
  const [update] = await db.batch([
    db
      .prepare('UPDATE automations SET name = ?, enabled = ?, doc = ?, updated = ? WHERE id = ?')
      .bind(
        automation.name,
        automation.enabled ? 1 : 0,
        docOf(automation),
        automation.updated,
        automation.id,
      ),
    ...newEventStatements(db, events, now, { onlyIfChanged: true }),
  ]);
  return (update?.meta.changes ?? 0) > 0;
}

export async function deleteAutomation(db: D1Database, id: string, events: readonly NewEvent[], now: Date) {
  const [removed] = await db.batch([
    db.prepare('DELETE FROM automations WHERE id = ?').bind(id),
    ...newEventStatements(db, events, now, { onlyIfChanged: true }),
  ]);
  return (removed?.meta.changes ?? 0) > 0;
}

const ORDER = {
  CREATED_DESC: 'created DESC, id',
  UPDATED_DESC: 'updated DESC, id',
  NAME_ASC: 'name, id',
  NAME_DESC: 'name DESC, id',
} as const;

/** Lists of ids and names go as one JSON parameter each, clear of D1's parameter limit. */
export async function filterAutomations(db: D1Database, body: AutomationFilterBody): Promise<Automation[]> {
  const ids = body.automations?.id?.any_;
  const names = body.automations?.name?.any_;
  const enabled = body.automations?.enabled?.eq_;
  const { results } = await db
    .prepare(
      `SELECT id, doc, created, updated FROM automations
       WHERE (?1 IS NULL OR id IN (SELECT value FROM json_each(?1)))
         AND (?2 IS NULL OR name IN (SELECT value FROM json_each(?2)))
         AND (?3 IS NULL OR enabled = ?3)
       ORDER BY ${ORDER[body.sort]} LIMIT ?4 OFFSET ?5`,
    )
    .bind(
      ids ? JSON.stringify(ids) : null,
      names ? JSON.stringify(names) : null,
      enabled === undefined || enabled === null ? null : enabled ? 1 : 0,
      body.limit,
      body.offset,
    )
    .all<AutomationRow>();
  return results.map(toAutomation);
}

/** Every enabled automation, for the evaluator. */
export async function enabledAutomations(db: D1Database): Promise<Automation[]> {
  const { results } = await db
    .prepare('SELECT id, doc, created, updated FROM automations WHERE enabled = 1 ORDER BY id')
    .all<AutomationRow>();
  return results.map(toAutomation);
}

/** The automations an owner has (Prefect's `owner_resource`, a deployment's trigger automations). */
export async function ownedAutomations(db: D1Database, ownerResource: string): Promise<Automation[]> {
  const { results } = await db
    .prepare(
      `SELECT id, doc, created, updated FROM automations WHERE doc ->> '$.owner_resource' = ? ORDER BY id LIMIT 1000`,
    )
    .bind(ownerResource)
    .all<AutomationRow>();
  return results.map(toAutomation);
}

/** Deletes these automations, if still owned by that owner, with their events in the same batch. */
export async function deleteOwnedAutomations(
  db: D1Database,
  ownerResource: string,
  ids: readonly string[],
  events: readonly NewEvent[],
  now: Date,
) {
  if (ids.length === 0) return;
  await db.batch([
    ...newEventStatements(db, events, now),
    db
      .prepare(
        `DELETE FROM automations WHERE id IN (SELECT value FROM json_each(?)) AND doc ->> '$.owner_resource' = ?`,
      )
      .bind(JSON.stringify(ids), ownerResource),
  ]);
}
