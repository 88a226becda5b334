// Calls on variables (docs/variables.md): by name, as flows and the CLI use them.
import { z } from 'zod';
import {
  type VariableCreate,
  type VariableFilterBody,
  VariableSchema,
  type VariableUpdate,
} from '../protocol/index.ts';
import type { HttpTransport } from './http.ts';

const BASE = '/api/variables';
const byName = (name: string) => `${BASE}/name/${encodeURIComponent(name)}`;
const NO_BODY = z.unknown();

export class VariablesClient {
  readonly #http: HttpTransport;

  constructor(http: HttpTransport) {
    this.#http = http;
  }

  create(body: Omit<VariableCreate, 'tags'> & { tags?: string[] }) {
    return this.#http.request('POST', BASE, { body, schema: VariableSchema });
  }

  read(name: string) {
    return this.#http.request('GET', byName(name), { schema: VariableSchema });
  }

  update(name: string, body: VariableUpdate) {
    return this.#http.request('PATCH', byName(name), { body, schema: NO_BODY });
  }

  remove(name: string) {
    return this.#http.request('DELETE', byName(name), { schema: NO_BODY });
  }

  list(body: Partial<VariableFilterBody> = {}) {
    return this.#http.request('POST', `${BASE}/filter`, { body, schema: z.array(VariableSchema) });
  }
}
