// `getVariable` and `setVariable`: Prefect's `Variable.get` / `Variable.set`, inside a flow run (with
// the run's client) or outside one (with the environment's), see docs/variables.md.
import { clientFromEnvironment } from '../client/from-environment.ts';
import { ApiError, type EdgeflowClient } from '../client/index.ts';
import { VariableNameSchema, VariableValueSchema } from '../protocol/index.ts';
import { currentRun } from './context.ts';

function clientHere(): EdgeflowClient {
  return currentRun()?.client ?? clientFromEnvironment().client;
}

const isNotFound = (error: unknown) => error instanceof ApiError && error.status === 404;

/** The variable's value, or `fallback` (default undefined) when there is no variable of that name. */
export async function getVariable<T = unknown>(name: string, fallback?: T): Promise<T | undefined> {
  try {
    return (await clientHere().variables.read(name)).value as T;
  } catch (error) {
    if (isNotFound(error)) return fallback;
    throw error;
  }
}

export interface SetVariableOptions {
  /** Replace the value of an existing variable; without it, an existing name is an error. */
  overwrite?: boolean;
  tags?: string[];
}

export class VariableExistsError extends Error {
  override readonly name = 'VariableExistsError';
}

/** Stores `value` (any JSON of at most 5,000 characters) under `name`. */
export async function setVariable(
  name: string,
  value: unknown,
  { overwrite = false, tags }: SetVariableOptions = {},
): Promise<void> {
  const badName = VariableNameSchema.safeParse(name);
  if (!badName.success) throw new TypeError(`setVariable: invalid name: ${badName.error.issues[0]!.message}`);
  const badValue = VariableValueSchema.safeParse(value);
  if (!badValue.success)
    throw new TypeError(`setVariable: invalid value: ${badValue.error.issues[0]!.message}`);
  const client = clientHere();
  if (overwrite) {
    try {
      await client.variables.update(name, { value, ...(tags ? { tags } : {}) });
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  try {
    await client.variables.create({ name, value, ...(tags ? { tags } : {}) });
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) {
      // Created meanwhile by someone else: overwrite means the last write wins.
      if (overwrite) return void (await client.variables.update(name, { value }));
      throw new VariableExistsError(
        `Variable ${name} already exists; pass { overwrite: true } to replace its value.`,
      );
    }
    throw error;
  }
}
