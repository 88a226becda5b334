// `sendInput` and `receiveInput`: Prefect's send_input / receive_input, run inputs passed between flow
// runs through `/api/flow_runs/{id}/input` (docs/sdk.md, "Pause, suspend and input").
import { randomUUID } from 'node:crypto';
import { clientFromEnvironment } from '../client/from-environment.ts';
import type { EdgeflowClient } from '../client/index.ts';
import { currentRun } from './context.ts';
import type { ParametersSchema } from './flow.ts';
import { RunInputValidationError } from './pause.ts';

/** Prefect's default prefix for inputs sent with send_input. */
const DEFAULT_KEY_PREFIX = 'input';
/** One held filter waits at most this long before it is asked again. */
const HELD_READ_SECONDS = 30;

function clientHere(): EdgeflowClient {
  return currentRun()?.client ?? clientFromEnvironment().client;
}

export interface SendInputOptions {
  /** The run to send to. */
  flowRunId: string;
  /** The key is `<keyPrefix>-<uuid>`; the receiver filters by the same prefix. Default "input". */
  keyPrefix?: string;
  /** Who sent it; default: the sending flow run (`prefect.flow-run.<id>`), when there is one. */
  sender?: string;
}

/** Sends `value` (any JSON) to flow run `flowRunId` as a new input; returns its key. */
export async function sendInput(value: unknown, options: SendInputOptions): Promise<string> {
  const here = currentRun();
  const key = `${options.keyPrefix ?? DEFAULT_KEY_PREFIX}-${randomUUID()}`;
  const sender = options.sender ?? (here ? `prefect.flow-run.${here.flowRun.id}` : null);
  await clientHere().runInputs.create(options.flowRunId, { key, value: JSON.stringify(value), sender });
  return key;
}

export interface ReceiveInputOptions {
  /** The run whose inputs to read; default: the current flow run. */
  flowRunId?: string;
  /** Only inputs whose key starts with this (as sendInput made it). Default "input". */
  keyPrefix?: string;
  /** Stop waiting for the next input after this many seconds (default 3600); the iteration then ends. */
  timeoutSeconds?: number;
  /** Throw instead of ending the iteration when the timeout passes. */
  raiseOnTimeout?: boolean;
  /** Keys not to yield (inputs already handled elsewhere). */
  excludeKeys?: string[];
}

/** One received input: its value (parsed by the schema), key and sender. */
export interface ReceivedInput<T> {
  value: T;
  key: string;
  sender: string | null;
}

export class ReceiveInputTimeoutError extends Error {
  override readonly name = 'ReceiveInputTimeoutError';
}

/**
 * Yields each input sent to the run, oldest first, parsed by `schema` (an input that does not fit
 * throws), waiting for the next one on a request the server holds until one arrives. Each input is
 * yielded once per iteration.
 */
export async function* receiveInput<T>(
  schema: ParametersSchema<T>,
  options: ReceiveInputOptions = {},
): AsyncGenerator<ReceivedInput<T>> {
  const flowRunId = options.flowRunId ?? currentRun()?.flowRun.id;
  if (!flowRunId) throw new Error('receiveInput needs a flowRunId outside a flow run');
  const client = clientHere();
  const excluded = options.excludeKeys ?? [];
  // Read on from the last input's instant, excluding only the keys seen at that instant: the request
  // stays small however many inputs the run has received.
  let since: string | undefined;
  let seenAtSince = new Set<string>();
  const prefix = `${options.keyPrefix ?? DEFAULT_KEY_PREFIX}-`;
  const timeoutMs = (options.timeoutSeconds ?? 3600) * 1000;
  let deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = Math.max(0, deadline - Date.now()) / 1000;
    const found = await client.runInputs.filter(flowRunId, {
      prefix,
      limit: 200,
      exclude_keys: [...excluded, ...seenAtSince],
      created_after: since,
      wait_seconds: Math.min(left, HELD_READ_SECONDS),
    });
    for (const input of found) {
      if (input.created !== since) [since, seenAtSince] = [input.created, new Set()];
      seenAtSince.add(input.key);
      const parsed = schema.safeParse(JSON.parse(input.value));
      if (!parsed.success) {
        const issues = parsed.error.issues.map(
          (issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`,
        );
        throw new RunInputValidationError(`Input ${input.key} does not fit the schema: ${issues.join('; ')}`);
      }
      yield { value: parsed.data, key: input.key, sender: input.sender };
      // The timeout is for the next input: it starts again once this one is handled.
      deadline = Date.now() + timeoutMs;
    }
    if (found.length === 0 && Date.now() >= deadline) {
      if (options.raiseOnTimeout)
        throw new ReceiveInputTimeoutError(`No input arrived within ${options.timeoutSeconds ?? 3600} s`);
      return;
    }
  }
}
