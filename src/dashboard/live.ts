// Answers to the page's polls (docs/dashboard.md, "Live updates"): the same component a fresh page
// renders, tagged with a hash of its content, so an unchanged region costs a 304 and no DOM work.
import type { Child } from 'hono/jsx';
import type { DashboardContext } from './viewer';

/** A short hex digest of `text`. */
export async function digestOf(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .slice(0, 24);
}

/** A 304 when the poll already has `tag`; the body, tagged, when it does not. */
export function respondTagged(c: DashboardContext, tag: string, body: () => string, type: string): Response {
  const headers = { ETag: tag, 'Cache-Control': 'no-cache', 'Content-Type': type };
  if (c.req.header('if-none-match') === tag) return c.body(null, 304, headers);
  return c.body(body(), 200, headers);
}

async function tagged(c: DashboardContext, body: string, type: string): Promise<Response> {
  return respondTagged(c, `"${await digestOf(body)}"`, () => body, type);
}

/** A live region's HTML. */
export async function liveHtml(c: DashboardContext, node: Child): Promise<Response> {
  const html = await (node as { toString(): string | Promise<string> }).toString();
  return tagged(c, html, 'text/html; charset=utf-8');
}

/** A live JSON document (the run graph, the logs). */
export function liveJson(c: DashboardContext, value: unknown): Promise<Response> {
  return tagged(c, JSON.stringify(value), 'application/json');
}
