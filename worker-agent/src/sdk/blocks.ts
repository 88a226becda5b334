// `Block.load('type-slug/name')` and `Secret.load(name).get()`: Prefect's block loading, inside a flow
// run (with the run's agent key) or outside one (with the environment's), see docs/blocks.md. The
// data comes back with its secrets; nothing here logs it, and errors name the block, never its data.
import { clientFromEnvironment } from '../client/from-environment.ts';
import { ApiError, type EdgeflowClient } from '../client/index.ts';
import { BlockSlugSchema } from '../protocol/index.ts';
import { currentRun } from './context.ts';

function clientHere(): EdgeflowClient {
  return currentRun()?.client ?? clientFromEnvironment().client;
}

export class BlockNotFoundError extends Error {
  override readonly name = 'BlockNotFoundError';
}

/** `secret/db-password` → `['secret', 'db-password']`; Prefect writes it the same way. */
function parseReference(reference: string): [string, string] {
  const [slug, name, ...rest] = reference.split('/');
  const valid =
    rest.length === 0 && BlockSlugSchema.safeParse(slug).success && BlockSlugSchema.safeParse(name).success;
  if (!valid) {
    throw new TypeError(
      `Block.load: "${reference}" is not <type slug>/<name> (lowercase letters, digits and dashes)`,
    );
  }
  return [slug!, name!];
}

/** The document's data, secrets included (an agent or admin key reads them). */
export async function loadBlock<T extends Record<string, unknown> = Record<string, unknown>>(
  reference: string,
): Promise<T> {
  const [slug, name] = parseReference(reference);
  try {
    return (await clientHere().blocks.read(slug, name, { includeSecrets: true })).data as T;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new BlockNotFoundError(`No block document ${name} of block type ${slug}.`);
    }
    throw error;
  }
}

/** Prefect's `Block.load`, for any block type: `await Block.load('s3-credentials/results')`. */
export const Block = { load: loadBlock };

/**
 * A loaded Secret block. Its value is held privately: printing or serialising the block shows the
 * placeholder, as Prefect's `SecretStr` does; `get()` gives the value.
 */
export class Secret {
  readonly #value: unknown;

  private constructor(value: unknown) {
    this.#value = value;
  }

  static async load(name: string): Promise<Secret> {
    return new Secret((await loadBlock<{ value: unknown }>(`secret/${name}`)).value);
  }

  get<T = string>(): T {
    return this.#value as T;
  }

  toJSON(): string {
    return '********';
  }

  toString(): string {
    return '********';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret(********)';
  }
}
