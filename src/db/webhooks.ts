// Webhooks in D1: created with their secret already hashed or sealed, read by id or by public slug.
import type { ParameterMapping, Webhook, WebhookEvent } from 'edgeflow/protocol';

export interface WebhookRow {
  id: string;
  slug: string;
  name: string;
  deployment_id: string | null;
  auth: 'token' | 'hmac';
  secret_hash: string | null;
  secret_cipher: string | null;
  parameter_mapping: string | null;
  /** The event template's JSON, or null. */
  event: string | null;
  active: number;
  created: string;
  updated: string;
}

export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    created: row.created,
    updated: row.updated,
    name: row.name,
    slug: row.slug,
    deployment_id: row.deployment_id,
    auth: row.auth,
    parameter_mapping: row.parameter_mapping ? (JSON.parse(row.parameter_mapping) as ParameterMapping) : null,
    event: row.event ? (JSON.parse(row.event) as WebhookEvent) : null,
    active: row.active === 1,
  };
}

/** Null when the slug is taken. */
export async function insertWebhook(
  db: D1Database,
  row: Omit<WebhookRow, 'created' | 'updated'>,
  now: Date,
): Promise<WebhookRow | null> {
  const at = now.toISOString();
  return db
    .prepare(
      `INSERT INTO webhooks (id, slug, name, deployment_id, auth, secret_hash, secret_cipher, parameter_mapping, event, active, created, updated)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING RETURNING *`,
    )
    .bind(
      row.id,
      row.slug,
      row.name,
      row.deployment_id,
      row.auth,
      row.secret_hash,
      row.secret_cipher,
      row.parameter_mapping,
      row.event,
      row.active,
      at,
      at,
    )
    .first<WebhookRow>();
}

export async function readWebhook(db: D1Database, id: string): Promise<WebhookRow | null> {
  return db.prepare('SELECT * FROM webhooks WHERE id = ?').bind(id).first<WebhookRow>();
}

export async function readWebhookBySlug(db: D1Database, slug: string): Promise<WebhookRow | null> {
  return db.prepare('SELECT * FROM webhooks WHERE slug = ?').bind(slug).first<WebhookRow>();
}

export async function listWebhooks(db: D1Database, deploymentId: string | undefined): Promise<WebhookRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM webhooks WHERE (?1 IS NULL OR deployment_id = ?1) ORDER BY created, id LIMIT 200')
    .bind(deploymentId ?? null)
    .all<WebhookRow>();
  return results;
}

export async function updateWebhook(
  db: D1Database,
  id: string,
  patch: Pick<WebhookRow, 'name' | 'deployment_id' | 'parameter_mapping' | 'event' | 'active'>,
  now: Date,
): Promise<void> {
  await db
    .prepare(
      'UPDATE webhooks SET name = ?, deployment_id = ?, parameter_mapping = ?, event = ?, active = ? , updated = ? WHERE id = ?',
    )
    .bind(
      patch.name,
      patch.deployment_id,
      patch.parameter_mapping,
      patch.event,
      patch.active,
      now.toISOString(),
      id,
    )
    .run();
}

export async function deleteWebhook(db: D1Database, id: string): Promise<boolean> {
  const { meta } = await db.prepare('DELETE FROM webhooks WHERE id = ?').bind(id).run();
  return meta.changes > 0;
}

/** Whether a webhook's event (its id made from the delivery) is stored already: a signed replay. */
export async function webhookEventStored(db: D1Database, eventId: string): Promise<boolean> {
  return (await db.prepare('SELECT 1 AS found FROM events WHERE id = ?').bind(eventId).first()) !== null;
}
