// Events go to D1 in statements of one JSON parameter each, every one under the statement's byte cap
// whatever the characters, and a task batch's events in a single statement (src/db/events.ts).
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { eventInsertStatements } from '../../src/db/events';

function event(id: string, note: string): string {
  return JSON.stringify({
    id,
    event: 'test.chunks',
    occurred: new Date().toISOString(),
    resource: { 'prefect.resource.id': `test.chunks.${id}` },
    related: [],
    payload: { note },
  });
}

async function storedNotes(ids: string[]): Promise<string[]> {
  const { results } = await env.DB.prepare(
    'SELECT doc FROM events WHERE id IN (SELECT value FROM json_each(?)) ORDER BY seq',
  )
    .bind(JSON.stringify(ids))
    .all<{ doc: string }>();
  return results.map((row) => (JSON.parse(row.doc) as { payload: { note: string } }).payload.note);
}

describe('event insert statements', () => {
  it("puts a task batch's events in one statement", async () => {
    const ids = Array.from({ length: 500 }, () => crypto.randomUUID());
    const statements = eventInsertStatements(
      env.DB,
      ids.map((id) => event(id, 'x'.repeat(900))),
      new Date(),
    );
    expect(statements).toHaveLength(1);
    await env.DB.batch(statements);
    expect(await storedNotes(ids)).toHaveLength(500);
  });

  it('splits events by their UTF-8 bytes, not their characters: three-byte characters count three', async () => {
    // 2 × 400,000 characters is under the cap counted in characters, 2.4 MB in UTF-8: over it.
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    const notes = ['€'.repeat(400_000), '→'.repeat(400_000)];
    const statements = eventInsertStatements(
      env.DB,
      ids.map((id, index) => event(id, notes[index]!)),
      new Date(),
    );
    expect(statements).toHaveLength(2);
    await env.DB.batch(statements);
    expect(await storedNotes(ids)).toEqual(notes);
  });
});
