// Action templates (docs/automations.md): `{{ event.resource.id }}`-style substitution of the fields
// given, nothing else. No code runs: a template is a path into a plain object, optionally `| tojson`.
import type { Event } from 'edgeflow/protocol';

type Segment = string | number;
interface Substitution {
  path: Segment[];
  json: boolean;
}
type Part = string | Substitution;

const PATH_START = /^\s*([A-Za-z_][A-Za-z0-9_]*)/;
const PATH_STEP =
  /^(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*(\d+)\s*\]|\[\s*"([^"\\]*)"\s*\]|\[\s*'([^'\\]*)'\s*\])/;

function parseExpression(text: string): Substitution | string {
  const start = PATH_START.exec(text);
  if (!start) return 'must start with a field name';
  const path: Segment[] = [start[1] as string];
  let rest = text.slice(start[0].length);
  for (let step = PATH_STEP.exec(rest); step; step = PATH_STEP.exec(rest)) {
    path.push(step[2] !== undefined ? Number(step[2]) : ((step[1] ?? step[3] ?? step[4]) as string));
    rest = rest.slice(step[0].length);
  }
  const filter = /^\s*(?:\|\s*(tojson)\s*)?$/.exec(rest);
  if (!filter) return `cannot read "${rest.trim()}": only field paths and "| tojson" are supported`;
  return { path, json: filter[1] === 'tojson' };
}

/** The template's parts, or the first problem in it. */
function parse(template: string): Part[] | string {
  const parts: Part[] = [];
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf('{{', at);
    const block = /\{[%#]/.exec(template.slice(at));
    if (block && (open === -1 || block.index + at < open))
      return 'only {{ field }} substitutions are supported (no {% %} or {# #})';
    if (open === -1) {
      parts.push(template.slice(at));
      break;
    }
    const close = template.indexOf('}}', open + 2);
    if (close === -1) return 'has "{{" without a closing "}}"';
    if (open > at) parts.push(template.slice(at, open));
    const expression = parseExpression(template.slice(open + 2, close));
    if (typeof expression === 'string') return `{{${template.slice(open + 2, close)}}} ${expression}`;
    parts.push(expression);
    at = close + 2;
  }
  return parts;
}

/** Why a template cannot be rendered, or null when it can (checked when the automation is written). */
export function templateProblem(template: string): string | null {
  const parts = parse(template);
  return typeof parts === 'string' ? parts : null;
}

/** Only own fields of plain objects and arrays are reachable: no prototypes, no functions. */
function lookup(context: unknown, path: Segment[]): unknown {
  let value = context;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return typeof value === 'function' ? undefined : value;
}

function show(value: unknown, json: boolean): string {
  if (json) return JSON.stringify(value ?? null);
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * Renders the template over the context (an automation's `TemplateContext`, or any plain object of
 * fields: a webhook's); a missing field renders empty, as Jinja's undefined does.
 */
export function renderTemplate(template: string, context: TemplateContext | object): string {
  const parts = parse(template);
  if (typeof parts === 'string') return template;
  return parts
    .map((part) => (typeof part === 'string' ? part : show(lookup(context, part.path), part.json)))
    .join('');
}

/** A resource as templates see it: its labels, plus Prefect's `id`, `name` and `role` shorthands. */
function resourceView(labels: Record<string, string>): Record<string, string> {
  const view: Record<string, string> = { ...labels };
  view.id = labels['prefect.resource.id'] ?? '';
  if (labels['prefect.resource.name']) view.name = labels['prefect.resource.name'];
  if (labels['prefect.resource.role']) view.role = labels['prefect.resource.role'];
  return view;
}

export interface TemplateContext {
  event: Record<string, unknown> | null;
  automation: { id: string; name: string };
  firing: { id: string; triggered: string; labels: Record<string, string> };
  flow_run?: Record<string, unknown> | null;
}

/** The fields a template may read: the triggering event, the automation, the firing and nothing else. */
export function templateContext(
  event: Event | null,
  automation: { id: string; name: string },
  firing: { id: string; triggered: string; labels: Record<string, string> },
): TemplateContext {
  const related = (event?.related ?? []).map(resourceView);
  const inRole: Record<string, Record<string, string>> = {};
  for (const resource of related)
    if (resource.role && !inRole[resource.role]) inRole[resource.role] = resource;
  return {
    event: event
      ? {
          id: event.id,
          event: event.event,
          occurred: event.occurred,
          received: event.received,
          follows: event.follows ?? null,
          payload: event.payload,
          resource: resourceView(event.resource),
          related,
          resource_in_role: inRole,
        }
      : null,
    automation: { id: automation.id, name: automation.name },
    firing,
  };
}

/** Run-deployment parameters with every template rendered (Prefect's `{__prefect_kind: "jinja"}` too). */
export function renderParameters(value: unknown, context: TemplateContext | object): unknown {
  if (typeof value === 'string') return value.includes('{{') ? renderTemplate(value, context) : value;
  if (Array.isArray(value)) return value.map((item) => renderParameters(item, context));
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (record.__prefect_kind === 'jinja' && typeof record.template === 'string')
      return renderTemplate(record.template, context);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, renderParameters(v, context)]));
  }
  return value;
}
