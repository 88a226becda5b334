// Sends one request as written (bad escapes, raw bytes, any content type) and watches /api/health meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestSpec } from './generate.ts';

export interface Outcome {
  /** 0 when no answer came (timeout, connection refused or reset). */
  status: number;
  ms: number;
  text: string;
  error?: string;
}

export async function send(baseUrl: string, spec: RequestSpec, key: string | null, timeoutMs = 20_000) {
  const started = performance.now();
  const headers = { ...spec.headers };
  if (key !== null && !('authorization' in headers)) headers.authorization = `Bearer ${key}`;
  try {
    const response = await fetch(`${baseUrl}${spec.path}`, {
      method: spec.method,
      headers,
      body: typeof spec.body === 'object' ? new Uint8Array(spec.body) : spec.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // A live stream (the event stream) never ends: its answer is its status and headers.
    const streaming = response.headers.get('content-type')?.startsWith('text/event-stream');
    const text = streaming ? await firstChunk(response) : await response.text();
    return { status: response.status, ms: performance.now() - started, text } satisfies Outcome;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return {
      status: 0,
      ms: performance.now() - started,
      text: '',
      error: `${(error as Error).name}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
    } satisfies Outcome;
  }
}

/** What a stream sent first (its `ready` line), then closed from this side. */
async function firstChunk(response: Response): Promise<string> {
  const reader = response.body!.getReader();
  const { value } = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(value);
}

/** Whether /api/health answers within `timeoutMs`. */
export async function healthy(baseUrl: string, timeoutMs = 5_000): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.text();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Probes /api/health every `everyMs` in the background. A probe slower than a second while a request
 * was in flight says that request kept the server busy; the runner confirms it by replaying.
 */
export class HealthMonitor {
  private probes: { start: number; end: number | null }[] = [];
  private running = false;
  private loop: Promise<void> | null = null;

  private readonly url: () => string;
  private readonly everyMs: number;

  constructor(url: () => string, everyMs = 200) {
    this.url = url;
    this.everyMs = everyMs;
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const probe = { start: performance.now(), end: null as number | null };
        this.probes.push(probe);
        if (this.probes.length > 2_000) this.probes.splice(0, 1_000);
        await healthy(this.url(), 30_000);
        probe.end = performance.now();
        await sleep(this.everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** The longest a probe overlapping [from, to] waited (one still waiting counts until now). */
  worstLatency(from: number, to: number): number {
    let worst = 0;
    const now = performance.now();
    for (const probe of this.probes) {
      const end = probe.end ?? now;
      if (end < from || probe.start > to) continue;
      worst = Math.max(worst, end - probe.start);
    }
    return worst;
  }
}
