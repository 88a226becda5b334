// Prefect's client sends null for a policy field it leaves at the default; the default applies then.

/** A copy of `fields` without its null-valued keys. */
export function withoutNulls<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null)) as Partial<T>;
}
