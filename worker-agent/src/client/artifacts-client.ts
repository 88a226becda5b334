// Calls on artifacts (docs/artifacts.md): reading them, as the CLI does; flows send theirs in the
// report batches instead.
import { z } from 'zod';
import { ArtifactCollectionSchema, type ArtifactFilterBody, ArtifactSchema } from '../protocol/index.ts';
import type { HttpTransport } from './http.ts';

const BASE = '/api/artifacts';

export class ArtifactsClient {
  readonly #http: HttpTransport;

  constructor(http: HttpTransport) {
    this.#http = http;
  }

  read(id: string) {
    return this.#http.request('GET', `${BASE}/${encodeURIComponent(id)}`, { schema: ArtifactSchema });
  }

  latest(key: string) {
    return this.#http.request('GET', `${BASE}/${encodeURIComponent(key)}/latest`, { schema: ArtifactSchema });
  }

  /** Every version that matches, newest first unless sorted otherwise. */
  list(body: Partial<ArtifactFilterBody> = {}) {
    return this.#http.request('POST', `${BASE}/filter`, { body, schema: z.array(ArtifactSchema) });
  }

  /** Each matching key's latest version. */
  listLatest(body: Partial<ArtifactFilterBody> = {}) {
    return this.#http.request('POST', `${BASE}/latest/filter`, {
      body,
      schema: z.array(ArtifactCollectionSchema),
    });
  }
}
