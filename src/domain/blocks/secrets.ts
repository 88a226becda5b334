// Secret fields of a block document: hidden on reads that do not ask for them, and kept when a
// client writes back the hidden placeholder (Prefect's rules, docs/prefect-compat.md "Blocks").

/** What a hidden secret reads as, whatever its value (Prefect's `obfuscate_string`). */
export const HIDDEN_SECRET = '********';

type Data = Record<string, unknown>;

function isObject(value: unknown): value is Data {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `{a: {b: 1}}` → `[['a', 'b'], 1]` pairs: the leaves, as Prefect's `dict_to_flatdict` lists them. */
function leaves(data: Data, parent: string[] = []): [string[], unknown][] {
  return Object.entries(data).flatMap(([key, value]) =>
    isObject(value) && Object.keys(value).length > 0
      ? leaves(value, [...parent, key])
      : [[[...parent, key], value] as [string[], unknown]],
  );
}

function setLeaf(data: Data, path: string[], value: unknown): void {
  let at = data;
  for (const key of path.slice(0, -1)) {
    if (!isObject(at[key])) at[key] = {};
    at = at[key] as Data;
  }
  at[path.at(-1)!] = value;
}

const samePrefix = (a: string[], b: string[], length: number) =>
  a.length >= length && b.length >= length && a.slice(0, length).every((key, i) => key === b[i]);

/** Whether the leaf at `path` is covered by one of `secretFields` (`password`, `nested.*`). */
export function isSecretPath(path: string[], secretFields: readonly string[]): boolean {
  return secretFields.some((field) => {
    const secret = field.split('.');
    const wildcard = secret.indexOf('*');
    if (wildcard === -1) return secret.length === path.length && samePrefix(secret, path, secret.length);
    return samePrefix(secret, path, wildcard);
  });
}

/** A copy of `data` whose secret leaves (those holding a value) read as the hidden placeholder. */
export function hideSecrets(data: Data, secretFields: readonly string[]): Data {
  const out: Data = structuredClone(data);
  for (const [path, value] of leaves(data)) {
    if (value !== null && value !== undefined && isSecretPath(path, secretFields)) {
      setLeaf(out, path, HIDDEN_SECRET);
    }
  }
  return out;
}

/**
 * The data to store for an update: `incoming` over `stored` (merged key by key when `merge`), except
 * that a secret sent back as the placeholder keeps the stored secret, so reading a block and writing
 * it back never overwrites its secrets with asterisks.
 */
export function updatedBlockData(
  stored: Data,
  incoming: Data,
  options: { merge: boolean; secretFields: readonly string[] },
): Data {
  const out: Data = options.merge ? structuredClone(stored) : {};
  const storedLeaves = new Map(leaves(stored).map(([path, value]) => [path.join('\u0000'), value]));
  for (const [path, value] of leaves(incoming)) {
    const kept = storedLeaves.get(path.join('\u0000'));
    const placeholder = value === HIDDEN_SECRET && isSecretPath(path, options.secretFields);
    setLeaf(out, path, placeholder && kept !== undefined ? kept : value);
  }
  return out;
}

/** The `secret_fields` a schema's fields declare. */
export function secretFieldsOf(fields: Record<string, unknown>): string[] {
  const declared = fields.secret_fields;
  return Array.isArray(declared)
    ? declared.filter((field): field is string => typeof field === 'string')
    : [];
}
