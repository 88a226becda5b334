// The package's `flow()`: the SDK's flow plus its `serve()` method. Composed here, above the SDK and
// the agent, so that the SDK never imports the agent (the agent runs the SDK's flows).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sdk from '../sdk/flow.ts';
import { type ServeOptions, serveFlow } from './serve.ts';

/** A flow as users get it from `edgeflow`: the SDK's flow, which can also serve itself. */
export interface Flow<P, R> extends sdk.Flow<P, R> {
  /** Registers a deployment of this flow and runs its runs in this process until SIGINT/SIGTERM (serve.ts). */
  serve(options: ServeOptions): Promise<void>;
}

const SERVE_DIR = dirname(fileURLToPath(import.meta.url));

/** The file of the first stack frame outside this folder: the module that called `flow()`. */
function callerFile(): string | null {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    const location = /\(?((?:file:\/\/)?\/[^()]+?):\d+:\d+\)?\s*$/.exec(line)?.[1];
    if (!location) continue;
    const file = location.startsWith('file://') ? fileURLToPath(location) : location;
    if (dirname(file) !== SERVE_DIR) return file;
  }
  return null;
}

/** Declares a flow (the SDK's `flow()`, sdk/flow.ts) that can also `serve()` itself. */
export function flow<P, R>(
  fn: (parameters: P) => R | Promise<R>,
  options: sdk.FlowOptions<P> = {},
): Flow<P, R> {
  const flowObject = sdk.flow(fn, options);
  const definition = flowObject[sdk.FLOW_DEFINITION] as sdk.FlowDefinition<never>;
  const definedIn = callerFile();
  return Object.assign(flowObject, {
    serve: (serveOptions: ServeOptions) => serveFlow(flowObject, definition, definedIn, serveOptions),
  });
}
