// Calls on automations (docs/automations.md): list, read, pause and resume (PATCH enabled), delete.
import { z } from 'zod';
import type { HttpTransport } from './http.ts';

/** The fields the client reads; the rest of Prefect's automation body passes through as it is. */
export const AutomationSummarySchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().default(''),
  enabled: z.boolean(),
  trigger: z.record(z.string(), z.unknown()),
  actions: z.array(z.record(z.string(), z.unknown())),
  created: z.string(),
  updated: z.string(),
});
export type AutomationSummary = z.infer<typeof AutomationSummarySchema>;

const NO_BODY = z.unknown();
const part = (value: string) => encodeURIComponent(value);

export class AutomationsClient {
  readonly #http: HttpTransport;

  constructor(http: HttpTransport) {
    this.#http = http;
  }

  list(body: { automations?: { name?: { any_: string[] } } } = {}) {
    return this.#http.request('POST', '/api/automations/filter', {
      body,
      schema: z.array(AutomationSummarySchema),
    });
  }

  read(id: string) {
    return this.#http.request('GET', `/api/automations/${part(id)}`, { schema: AutomationSummarySchema });
  }

  create(body: Record<string, unknown>) {
    return this.#http.request('POST', '/api/automations', { body, schema: AutomationSummarySchema });
  }

  async setEnabled(id: string, enabled: boolean): Promise<void> {
    await this.#http.request('PATCH', `/api/automations/${part(id)}`, { body: { enabled }, schema: NO_BODY });
  }

  async remove(id: string): Promise<void> {
    await this.#http.request('DELETE', `/api/automations/${part(id)}`, { schema: NO_BODY });
  }
}
