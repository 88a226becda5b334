// Answers to the page's polls (docs/dashboard.md, "Live updates"): the same component a fresh page
// renders, tagged with a hash of its content, so an unchanged region costs a 304 and no DOM work.
import type { Child } from 'hono/jsx';
import type { DashboardContext } from './viewer';

async function contentTag(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `"${hex.slice(0, 24)}"`;
}

async function tagged(c: DashboardContext, body: string, type: string): Promise<Response> {
  const tag = await contentTag(body);
  const headers = { ETag: tag, 'Cache-Control': 'no-cache', 'Content-Type': type };
  if (c.req.header('if-none-match') === tag) return c.body(null, 304, headers);
  return c.body(body, 200, headers);
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
