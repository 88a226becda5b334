// Result serializers: `json` (the default), `structured` (tagged JSON keeping Dates, Maps, BigInts…)
// and the user's own `{ name, dumps, loads }`; a stored result records the name it was written with.
import { decodeStructured, encodeStructured } from './structured-json.ts';

/** A user-supplied serializer; `name` is recorded with each result so a read picks this one again. */
export interface CustomSerializer {
  name: string;
  dumps(value: unknown): string | Uint8Array | Promise<string | Uint8Array>;
  loads(bytes: Buffer): unknown;
  /** Stored with the bytes (R2, S3); `application/octet-stream` when absent. */
  contentType?: string;
}

/** What `resultSerializer` accepts: a built-in's name or your own serializer. */
export type SerializerChoice = 'json' | 'structured' | CustomSerializer;

export interface Serializer {
  name: string;
  contentType: string;
  /** The value's bytes, or undefined when this serializer cannot keep it (JSON of a function). */
  dumps(value: unknown): Promise<Uint8Array | undefined>;
  loads(bytes: Buffer): Promise<unknown>;
}

const encoder = new TextEncoder();

export const JSON_SERIALIZER: Serializer = {
  name: 'json',
  contentType: 'application/json',
  async dumps(value) {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : encoder.encode(text);
  },
  async loads(bytes) {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  },
};

export const STRUCTURED_SERIALIZER: Serializer = {
  name: 'structured',
  contentType: 'application/json',
  async dumps(value) {
    return encoder.encode(JSON.stringify(encodeStructured(value)));
  },
  async loads(bytes) {
    return decodeStructured(JSON.parse(bytes.toString('utf8')));
  },
};

const BUILT_IN: Record<string, Serializer> = { json: JSON_SERIALIZER, structured: STRUCTURED_SERIALIZER };

/** Checked where the option is given (task() or flow()), so a mistake shows at declaration. */
export function serializerOf(choice: SerializerChoice, where: string): Serializer {
  if (typeof choice === 'string') {
    const found = BUILT_IN[choice];
    if (!found) {
      throw new TypeError(`${where}: resultSerializer "${choice}" is not one of json, structured`);
    }
    return found;
  }
  const { name, dumps, loads, contentType } = choice ?? {};
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(name) || name in BUILT_IN) {
    throw new TypeError(
      `${where}: a custom resultSerializer needs a name of letters, digits and _.:- other than json and structured`,
    );
  }
  if (typeof dumps !== 'function' || typeof loads !== 'function') {
    throw new TypeError(`${where}: a custom resultSerializer needs dumps(value) and loads(bytes) functions`);
  }
  return {
    name,
    contentType: contentType ?? 'application/octet-stream',
    async dumps(value) {
      const out = await dumps.call(choice, value);
      if (typeof out === 'string') return encoder.encode(out);
      if (out instanceof Uint8Array) return out;
      throw new TypeError(`serializer ${name}: dumps must return a string or a Uint8Array`);
    },
    async loads(bytes) {
      return loads.call(choice, bytes);
    },
  };
}

/**
 * The serializer a stored result names: a built-in, or one of the custom serializers known where it
 * is read (the task's, its flow's). Records written before serializers had a shape name a string.
 */
export function serializerNamed(name: string, known: readonly Serializer[]): Serializer | undefined {
  return BUILT_IN[name] ?? known.find((serializer) => serializer.name === name);
}
