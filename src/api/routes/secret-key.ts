// Key rotation for secrets at rest: seals again, under EDGEFLOW_SECRET_KEY, what an older key sealed
// (EDGEFLOW_SECRET_KEY_PREVIOUS, or the admin key locally), in bounded passes (docs/blocks.md).
import { createRoute, z } from '@hono/zod-openapi';
import { ApiErrorBodySchema } from 'edgeflow/protocol';
import { replaceSealed, rowsSealedElsewhere, SEALED_COLUMNS, type SealedTable } from '../../db/sealed-rows';
import { sealedPrefix } from '../../domain/secrets/keys';
import type { Env } from '../../env';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonResponse } from '../router';
import { currentKeyId, openSecret, type SealPurpose, sealSecret } from '../sealed-secrets';

const PURPOSE_OF: Record<SealedTable, SealPurpose> = {
  block_documents: 'blockData',
  webhooks: 'webhookHmac',
};

/** Rows looked at per request: a large store takes several calls, each well inside a request's limits. */
const ROWS_PER_REQUEST = 500;
const BATCH = 50;

const ReencryptReportSchema = z.object({
  /** The id of EDGEFLOW_SECRET_KEY, which every ciphertext of a finished rotation carries. */
  key_id: z.string(),
  block_documents: z.number().int(),
  webhooks: z.number().int(),
  /** Sealed by a key that is not configured any more: left as they are. */
  unreadable: z.number().int(),
  /** False when rows are left for another call. */
  done: z.boolean(),
});

const reencrypt = createRoute({
  method: 'post',
  path: '/admin/secrets/reencrypt',
  security: requiresScope('admin'),
  summary: 'Seal again under EDGEFLOW_SECRET_KEY every stored secret an older key sealed',
  responses: {
    200: jsonResponse(ReencryptReportSchema, 'What was sealed again; call again until done'),
    503: jsonResponse(ApiErrorBodySchema, 'No EDGEFLOW_SECRET_KEY is configured'),
  },
});

async function reseal(env: Env, table: SealedTable, prefix: string, budget: { rows: number }) {
  const counts = { resealed: 0, unreadable: 0, done: false };
  let afterId = '';
  while (budget.rows > 0) {
    const limit = Math.min(BATCH, budget.rows);
    const rows = await rowsSealedElsewhere(env.DB, table, { prefix, afterId, limit });
    budget.rows -= rows.length;
    const changes: { id: string; was: string; now: string }[] = [];
    for (const row of rows) {
      try {
        const plain = await openSecret(env, PURPOSE_OF[table], row.cipher);
        changes.push({ id: row.id, was: row.cipher, now: await sealSecret(env, PURPOSE_OF[table], plain) });
      } catch {
        counts.unreadable++;
      }
    }
    counts.resealed += await replaceSealed(env.DB, table, changes);
    if (rows.length < limit) {
      counts.done = true;
      break;
    }
    afterId = rows.at(-1)!.id;
  }
  return counts;
}

export const secretKeyRouter = createRouter().openapi(reencrypt, async (c) => {
  const keyId = await currentKeyId(c.env);
  const prefix = sealedPrefix(keyId);
  const budget = { rows: ROWS_PER_REQUEST };
  const tables = Object.keys(SEALED_COLUMNS) as SealedTable[];
  const report = { key_id: keyId, block_documents: 0, webhooks: 0, unreadable: 0, done: true };
  for (const table of tables) {
    const counts = await reseal(c.env, table, prefix, budget);
    report[table] = counts.resealed;
    report.unreadable += counts.unreadable;
    report.done &&= counts.done;
  }
  return c.json(report, 200);
});
