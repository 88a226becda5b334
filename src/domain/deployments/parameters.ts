// A deployment's run parameters: defaults merged under a run's own, and checked against the
// deployment's JSON Schema with @cfworker/json-schema (no eval, so it runs in workerd).
import { type Schema, Validator } from '@cfworker/json-schema';

export type Parameters = Record<string, unknown>;

/** A parameter that does not fit the schema: `parameters.retries`, and why. */
export interface ParameterProblem {
  field: string;
  message: string;
}

/** Shallow, as Prefect does: a run's value replaces the default of the same name whole. */
export function mergeParameters(...layers: Parameters[]): Parameters {
  return Object.assign({}, ...layers);
}

function fieldOf(prefix: string, pointer: string): string {
  const segments = pointer
    .replace(/^#\/?/, '')
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~'));
  return segments.reduce(
    (out, segment) => (/^\d+$/.test(segment) ? `${out}[${segment}]` : `${out}.${segment}`),
    prefix,
  );
}

/**
 * The problems of `parameters` against `schema`, innermost first as the validator reports them,
 * without the "property x does not match" summaries that only point at a deeper problem.
 */
export function parameterProblems(
  schema: Parameters,
  parameters: Parameters,
  prefix = 'parameters',
): ParameterProblem[] {
  const result = new Validator(schema as Schema, '2020-12', false).validate(parameters);
  if (result.valid) return [];
  const problems: ParameterProblem[] = [];
  for (const error of result.errors) {
    if (/does not match schema\.$/.test(error.error)) continue;
    const missing = error.keyword === 'required' ? /property "(.+)"/.exec(error.error)?.[1] : undefined;
    const field = fieldOf(prefix, missing ? `${error.instanceLocation}/${missing}` : error.instanceLocation);
    problems.push({ field, message: error.error });
  }
  return problems.sort(
    (a, b) => Number(b.field.length > prefix.length) - Number(a.field.length > prefix.length),
  );
}

/** A schema the validator can compile, or what is wrong with it. */
export function schemaProblem(schema: Parameters): string | null {
  try {
    new Validator(schema as Schema, '2020-12', false).validate({});
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
