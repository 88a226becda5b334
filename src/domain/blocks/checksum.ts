// A block schema's checksum, computed exactly as Prefect's client computes it, so the client's
// look-up by checksum finds the schema it registered (docs/prefect-compat.md, "Blocks").

/** `json.dumps(value, sort_keys=True)` as Python prints it: `, ` and `: ` separators, ASCII only. */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'NaN';
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${pythonString(key)}: ${pythonJson(item)}`).join(', ')}}`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Python's `ensure_ascii`: everything outside space..tilde is escaped, per UTF-16 code unit. */
function pythonString(text: string): string {
  let out = '"';
  for (const char of text) {
    for (let i = 0; i < char.length; i++) {
      const unit = char.charCodeAt(i);
      const one = char[i]!;
      if (SHORT_ESCAPES[one]) out += SHORT_ESCAPES[one];
      else if (unit < 0x20 || unit > 0x7e) out += `\\u${unit.toString(16).padStart(4, '0')}`;
      else out += one;
    }
  }
  return `${out}"`;
}

/** A copy of `value` without any key named `key`, at any depth (Prefect's `remove_nested_keys`). */
function withoutNestedKey(value: unknown, key: string): unknown {
  if (Array.isArray(value) || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([name]) => name !== key)
      .map(([name, item]) => [name, withoutNestedKey(item, key)]),
  );
}

/** Every `$ref` string under `value`. */
function referencesIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) referencesIn(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) {
      if (name === '$ref' && typeof item === 'string') found.push(item);
      else referencesIn(item, found);
    }
  }
  return found;
}

type Definitions = Record<string, Record<string, unknown>>;

/** The definitions `value` reaches that are not blocks themselves (Prefect's non-block references). */
function nonBlockDefinitions(value: unknown, definitions: Definitions): Definitions {
  let out: Definitions = {};
  for (const reference of referencesIn(value)) {
    const key = reference.replace('#/definitions/', '');
    const definition = definitions[key];
    if (definition && definition.block_type_slug == null) {
      out = { ...out, [key]: definition, ...nonBlockDefinitions(definition, definitions) };
    }
  }
  return out;
}

/** The text Prefect hashes: the fields without `secret_fields`, and only non-block definitions. */
export function checksumText(fields: Record<string, unknown>): string {
  const forChecksum = withoutNestedKey(fields, 'secret_fields') as Record<string, unknown>;
  const definitions = forChecksum.definitions as Definitions | undefined;
  if (definitions && Object.keys(definitions).length > 0) {
    const kept = nonBlockDefinitions(forChecksum, definitions);
    if (Object.keys(kept).length > 0) forChecksum.definitions = kept;
    else delete forChecksum.definitions;
  }
  // Prefect hashes its `hash_objects(fields)` call's `(args, kwargs)`: `[[fields], {}]`.
  return pythonJson([[forChecksum], {}]);
}

export async function blockSchemaChecksum(fields: Record<string, unknown>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(checksumText(fields)));
  const hex = Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `sha256:${hex}`;
}
