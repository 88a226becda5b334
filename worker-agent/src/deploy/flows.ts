// Finds the flow a deployment names in its entrypoint file, and the JSON schema of its parameters.
import { isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FLOW_DEFINITION, flowDefinitionOf } from '../sdk/flow.ts';

export class FlowLookupError extends Error {
  override readonly name = 'FlowLookupError';
}

export interface ResolvedFlow {
  /** `path/to/file.ts:exportName`, the path relative to the project root when it lies inside it. */
  entrypoint: string;
  flowName: string;
  /** From the flow's zod `parameters` schema when it has one. */
  parameterSchema: Record<string, unknown> | null;
}

const EXPORT_SUFFIX = /:([A-Za-z_$][\w$]*)$/;

/** The path an entrypoint is stored with: relative to `root` when inside it, else absolute. */
export function entrypointPath(file: string, root: string): string {
  const inside = relative(root, file);
  return inside.startsWith('..') || isAbsolute(inside) ? file : inside;
}

const isMarkedFlow = (value: unknown) =>
  typeof value === 'function' && FLOW_DEFINITION in (value as unknown as Record<symbol, unknown>);

/**
 * `entrypoint` is `file.ts:exportName` or just `file.ts`; `flow`, when given, names the export or the
 * flow's own name. Without an export name, the file's only `flow()` export (or the one `flow` names) is used.
 */
export async function resolveFlow(
  entrypoint: string,
  flow: string | undefined,
  root: string,
): Promise<ResolvedFlow> {
  const suffix = EXPORT_SUFFIX.exec(entrypoint);
  const path = suffix ? entrypoint.slice(0, suffix.index) : entrypoint;
  const file = isAbsolute(path) ? path : resolve(root, path);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new FlowLookupError(`could not import ${file}: ${(error as Error).message}`);
  }
  const exportName = suffix?.[1] ?? pickExport(module, flow, file);
  const definition = flowDefinitionOf(module[exportName], exportName);
  if (!definition) throw new FlowLookupError(`${file} has no function exported as "${exportName}"`);
  if (suffix && flow !== undefined && flow !== exportName && flow !== definition.name) {
    throw new FlowLookupError(`${entrypoint} is the flow "${definition.name}", not "${flow}"`);
  }
  return {
    entrypoint: `${entrypointPath(file, root)}:${exportName}`,
    flowName: definition.name,
    parameterSchema: parameterSchemaOf(module[exportName]),
  };
}

function pickExport(module: Record<string, unknown>, flow: string | undefined, file: string): string {
  if (flow !== undefined && typeof module[flow] === 'function') return flow;
  const flows = Object.keys(module).filter((name) => isMarkedFlow(module[name]));
  const matching =
    flow === undefined ? flows : flows.filter((name) => flowDefinitionOf(module[name], name)?.name === flow);
  if (matching.length === 1) return matching[0]!;
  const what = flow === undefined ? 'a flow' : `the flow "${flow}"`;
  throw new FlowLookupError(
    matching.length === 0
      ? `${file} exports no ${what.replace(/^a /, '')} (exports found: ${flows.join(', ') || 'none'})`
      : `${file} exports ${matching.length} flows (${matching.join(', ')}): name one as file.ts:exportName`,
  );
}

/**
 * The JSON schema of a flow's parameters, as `flow()` derives it from a zod `parameters` schema (the
 * flow's `parametersSchema`); null for a flow without one and for a plain function.
 */
export function parameterSchemaOf(flowExport: unknown): Record<string, unknown> | null {
  const schema = (flowExport as { parametersSchema?: unknown }).parametersSchema;
  return typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>) : null;
}
