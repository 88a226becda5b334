// The `structured` result serializer's format: JSON in which values JSON cannot hold (Dates, Maps,
// Sets, BigInts, typed arrays, Buffers, undefined, NaN…) are tagged objects (docs/sdk.md, "Results").

/** The tag key; a user object that has one of its own is wrapped as `{$type: 'Object'}`. */
const TAG = '$type';

type Tagged = { [TAG]: string; value?: unknown };

const TYPED_ARRAYS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

function base64(view: ArrayBufferView | ArrayBuffer): string {
  const bytes = ArrayBuffer.isView(view)
    ? Buffer.from(view.buffer, view.byteOffset, view.byteLength)
    : Buffer.from(view);
  return bytes.toString('base64');
}

/** A fresh, aligned ArrayBuffer holding the base64 text's bytes (typed arrays need alignment). */
function bufferOf(text: string): ArrayBuffer {
  const bytes = Buffer.from(text, 'base64');
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}

function typedArrayName(value: ArrayBufferView): TypedArrayName | null {
  for (const name of Object.keys(TYPED_ARRAYS) as TypedArrayName[]) {
    if (value instanceof TYPED_ARRAYS[name]) return name;
  }
  return null;
}

/** Sets a field as data, so a key named `__proto__` stays a field instead of changing the prototype. */
function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === null || prototype === Object.prototype;
}

/** The value as JSON-compatible data; throws a TypeError naming the path of what it cannot keep. */
export function encodeStructured(value: unknown, path = '$', seen = new Set<object>()): unknown {
  switch (typeof value) {
    case 'undefined':
      return { [TAG]: 'undefined' };
    case 'bigint':
      return { [TAG]: 'BigInt', value: value.toString() };
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { [TAG]: 'number', value: Object.is(value, -0) ? '-0' : String(value) };
    case 'string':
    case 'boolean':
      return value;
    case 'function':
    case 'symbol':
      throw new TypeError(`the structured serializer cannot keep a ${typeof value} (at ${path})`);
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) throw new TypeError(`the structured serializer cannot keep a cycle (at ${path})`);
  seen.add(object);
  try {
    return encodeObject(object, path, seen);
  } finally {
    seen.delete(object);
  }
}

function encodeObject(value: object, path: string, seen: Set<object>): unknown {
  const inner = (item: unknown, at: string) => encodeStructured(item, at, seen);
  if (value instanceof Date) {
    return { [TAG]: 'Date', value: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  }
  if (Buffer.isBuffer(value)) return { [TAG]: 'Buffer', value: value.toString('base64') };
  if (value instanceof ArrayBuffer) return { [TAG]: 'ArrayBuffer', value: base64(value) };
  if (value instanceof DataView) return { [TAG]: 'DataView', value: base64(value) };
  if (ArrayBuffer.isView(value)) {
    const name = typedArrayName(value);
    if (name) return { [TAG]: name, value: base64(value) };
  }
  if (value instanceof Map) {
    return {
      [TAG]: 'Map',
      value: [...value].map(([key, item], index) => [
        inner(key, `${path}.<key ${index}>`),
        inner(item, `${path}.<value ${index}>`),
      ]),
    };
  }
  if (value instanceof Set)
    return { [TAG]: 'Set', value: [...value].map((item, i) => inner(item, `${path}[${i}]`)) };
  if (value instanceof RegExp)
    return { [TAG]: 'RegExp', value: { source: value.source, flags: value.flags } };
  if (value instanceof Error) {
    return {
      [TAG]: 'Error',
      value: { name: value.name, message: value.message, stack: value.stack ?? null },
    };
  }
  if (Array.isArray(value)) return Array.from(value, (item, index) => inner(item, `${path}[${index}]`));
  // Other classes keep what JSON would keep of them: their toJSON, or their own enumerable fields.
  if (!isPlainObject(value) && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return inner((value as { toJSON(): unknown }).toJSON(), path);
  }
  const fields: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'function' || typeof item === 'symbol') continue;
    setField(fields, key, inner(item, `${path}.${key}`));
  }
  return Object.hasOwn(fields, TAG) ? { [TAG]: 'Object', value: fields } : fields;
}

/** The value `encodeStructured` was given, from its JSON-compatible data. */
export function decodeStructured(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(decodeStructured);
  if (typeof data !== 'object' || data === null) return data;
  const record = data as Record<string, unknown>;
  if (!Object.hasOwn(record, TAG)) {
    const fields: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(record)) setField(fields, key, decodeStructured(item));
    return fields;
  }
  return decodeTagged(record as Tagged);
}

function decodeTagged({ [TAG]: type, value }: Tagged): unknown {
  switch (type) {
    case 'undefined':
      return undefined;
    case 'BigInt':
      return BigInt(value as string);
    case 'number':
      return value === '-0' ? -0 : Number(value);
    case 'Date':
      return new Date(value === null ? Number.NaN : (value as string));
    case 'Buffer':
      return Buffer.from(value as string, 'base64');
    case 'ArrayBuffer':
      return bufferOf(value as string);
    case 'DataView':
      return new DataView(bufferOf(value as string));
    case 'Map':
      return new Map(
        (value as [unknown, unknown][]).map(([key, item]) => [decodeStructured(key), decodeStructured(item)]),
      );
    case 'Set':
      return new Set((value as unknown[]).map(decodeStructured));
    case 'RegExp': {
      const { source, flags } = value as { source: string; flags: string };
      return new RegExp(source, flags);
    }
    case 'Error': {
      const { name, message, stack } = value as { name: string; message: string; stack: string | null };
      const error = new Error(message);
      error.name = name;
      if (stack !== null) error.stack = stack;
      return error;
    }
    case 'Object': {
      const fields: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        setField(fields, key, decodeStructured(item));
      }
      return fields;
    }
  }
  if (Object.hasOwn(TYPED_ARRAYS, type))
    return new TYPED_ARRAYS[type as TypedArrayName](bufferOf(value as string));
  throw new TypeError(`unknown structured tag "${type}"`);
}
