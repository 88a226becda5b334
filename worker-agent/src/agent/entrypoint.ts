// Turns a flow run's `entrypoint` (`path/to/file.ts:exportName`) into the flow it names.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type FlowDefinition, flowDefinitionOf } from '../sdk/index.ts';

export class EntrypointError extends Error {
  override readonly name = 'EntrypointError';
}

export function parseEntrypoint(entrypoint: string): { path: string; exportName: string } {
  const separator = entrypoint.lastIndexOf(':');
  if (separator <= 0 || separator === entrypoint.length - 1) {
    throw new EntrypointError(`Entrypoint "${entrypoint}" must look like path/to/file.ts:exportName`);
  }
  return { path: entrypoint.slice(0, separator), exportName: entrypoint.slice(separator + 1) };
}

/** Imports the module relative to `cwd` (Node strips TypeScript types natively) and returns its flow. */
export async function loadEntrypoint(entrypoint: string, cwd: string): Promise<FlowDefinition<unknown>> {
  const { path, exportName } = parseEntrypoint(entrypoint);
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const definition = flowDefinitionOf(module[exportName], exportName);
  if (!definition) {
    throw new EntrypointError(`${file} has no function exported as "${exportName}"`);
  }
  return definition;
}
