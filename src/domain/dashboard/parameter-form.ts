// The Run form of a deployment, generated from its parameter schema (JSON Schema, as zod or Prefect
// write it): one field per parameter, with the control that fits its type. The server checks the
// values against the schema; the form only picks controls and shows defaults.

/** How a field is entered; the client turns its text into this kind of JSON value. */
export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'choice' | 'json';

export interface ParameterField {
  /** The parameter's name; the input is named `parameters.<name>`, as the API names it in errors. */
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  description: string | null;
  /** The deployment's value, else the schema's default, as the form shows it (JSON text for `json`). */
  initial: string;
  /** For `choice`: the allowed values, as JSON text. */
  choices: string[];
  /** Bounds for numbers, to describe them; the server enforces them. */
  minimum: number | null;
  maximum: number | null;
}

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Follows a local `$ref` (`#/$defs/X`, `#/definitions/X`) one step. */
function resolve(schema: Schema, root: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const target = match ? (root[match[1]!] as Schema | undefined)?.[match[2]!] : undefined;
  return isObject(target) ? { ...target, ...schema, $ref: undefined } : schema;
}

/** `anyOf: [X, {type: 'null'}]` (an optional value) read as X; other unions stay as they are. */
function unwrapNullable(schema: Schema, root: Schema): Schema {
  const options = (schema.anyOf ?? schema.oneOf) as unknown;
  if (!Array.isArray(options)) return schema;
  const real = options.filter((option) => !(isObject(option) && option.type === 'null'));
  if (real.length !== 1 || !isObject(real[0])) return schema;
  return { ...resolve(real[0], root), ...pick(schema, ['title', 'description', 'default']) };
}

function pick(schema: Schema, keys: string[]): Schema {
  return Object.fromEntries(keys.filter((key) => key in schema).map((key) => [key, schema[key]]));
}

function kindOf(schema: Schema): FieldKind {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return 'choice';
  if ('const' in schema) return 'choice';
  const type = Array.isArray(schema.type) ? schema.type.filter((t) => t !== 'null') : [schema.type];
  if (type.length !== 1) return 'json';
  switch (type[0]) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    default:
      return 'json';
  }
}

function asText(value: unknown, kind: FieldKind): string {
  if (value === undefined) return '';
  if (kind === 'string' && typeof value === 'string') return value;
  if ((kind === 'number' || kind === 'integer') && typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

const numberOr = (value: unknown) => (typeof value === 'number' ? value : null);

/**
 * The form's fields, in the schema's `position` order (Prefect writes one) or property order.
 * `values` are the deployment's own parameters, shown in place of schema defaults.
 */
export function parameterFields(schema: Schema | null, values: Record<string, unknown>): ParameterField[] {
  const properties = schema && isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema?.required) ? (schema.required as string[]) : []);
  const entries = Object.entries(properties)
    .filter((entry): entry is [string, Schema] => isObject(entry[1]))
    .map(([name, raw], index) => ({ name, raw, index }));
  entries.sort((a, b) => {
    const pa = numberOr(a.raw.position) ?? Number.POSITIVE_INFINITY;
    const pb = numberOr(b.raw.position) ?? Number.POSITIVE_INFINITY;
    return pa - pb || a.index - b.index;
  });
  return entries.map(({ name, raw }) => {
    const field = unwrapNullable(resolve(raw, schema!), schema!);
    const kind = kindOf(field);
    const choices = Array.isArray(field.enum) ? field.enum : 'const' in field ? [field.const] : [];
    const initial = name in values ? values[name] : field.default;
    return {
      name,
      label: typeof field.title === 'string' && field.title ? field.title : name,
      kind,
      required: required.has(name) && !(name in values),
      description: typeof field.description === 'string' ? field.description : null,
      initial: asText(initial, kind === 'choice' ? 'json' : kind),
      choices: choices.map((choice) => JSON.stringify(choice)),
      minimum: numberOr(field.minimum ?? field.exclusiveMinimum),
      maximum: numberOr(field.maximum ?? field.exclusiveMaximum),
    };
  });
}
