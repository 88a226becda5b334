// Creating and editing an automation: name, description, enabled, and JSON editors for the tags, the
// trigger and the actions, sent as they are to the API (POST, or PUT to replace). The API validates;
// a refusal names its field (`trigger.within`, `actions[0].url`) and the page shows it beside the
// editor that holds it (static/dashboard.js). Admin keys only, as the routes.
import type { Child } from 'hono/jsx';
import { readAutomation } from '../../db/automations';
import type { Automation } from '../../domain/automations';
import { formatJson } from '../format';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';
import { refused } from './api-keys';
import { WRITE_ROUTES } from './automations';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a new automation's editors start with: a trigger and an action to change, not blank boxes. */
const EXAMPLE = {
  tags: [],
  trigger: {
    type: 'event',
    posture: 'Reactive',
    match: { 'prefect.resource.id': 'prefect.flow-run.*' },
    expect: ['prefect.flow-run.Failed'],
    threshold: 1,
    within: 0,
  },
  actions: [{ type: 'do-nothing' }],
  actions_on_trigger: [],
  actions_on_resolve: [],
};

type Values = Pick<
  Automation,
  | 'name'
  | 'description'
  | 'enabled'
  | 'tags'
  | 'trigger'
  | 'actions'
  | 'actions_on_trigger'
  | 'actions_on_resolve'
>;

function Field(props: { id: string; label: string; hint?: string; children: Child }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? (
        <span id={`${props.id}-hint`} class="hint">
          {props.hint}
        </span>
      ) : null}
      <span id={`${props.id}-error`} class="field-error" />
    </div>
  );
}

function JsonEditor(props: {
  id: string;
  name: keyof Values;
  label: string;
  value: unknown;
  hint: string;
  rows: number;
}) {
  return (
    <Field id={props.id} label={props.label} hint={props.hint}>
      <textarea
        id={props.id}
        name={props.name}
        data-kind="json"
        class="json-editor"
        rows={props.rows}
        spellcheck={false}
        aria-describedby={`${props.id}-hint ${props.id}-error`}
      >
        {formatJson(props.value)}
      </textarea>
    </Field>
  );
}

function AutomationForm(props: {
  values: Partial<Values>;
  method: 'POST' | 'PUT';
  path: string;
  open: string;
}) {
  const { values } = props;
  return (
    <form
      class="fields automation-form"
      data-method={props.method}
      data-path={props.path}
      data-open={props.open}
      novalidate
    >
      <Field id="automation-name" label="Name">
        <input
          id="automation-name"
          name="name"
          value={values.name ?? ''}
          autocomplete="off"
          aria-describedby="automation-name-error"
        />
      </Field>
      <Field id="automation-description" label="Description">
        <textarea
          id="automation-description"
          name="description"
          rows={2}
          aria-describedby="automation-description-error"
        >
          {values.description ?? ''}
        </textarea>
      </Field>
      <div class="field">
        <label class="check">
          <input
            id="automation-enabled"
            type="checkbox"
            name="enabled"
            data-kind="boolean"
            checked={values.enabled ?? true}
          />{' '}
          Enabled
        </label>
      </div>
      <JsonEditor
        id="automation-trigger"
        name="trigger"
        label="Trigger (JSON)"
        value={values.trigger ?? EXAMPLE.trigger}
        hint="Prefect's trigger JSON: an event trigger with match, expect, after, for_each, posture, threshold, within (docs/automations.md)."
        rows={12}
      />
      <JsonEditor
        id="automation-actions"
        name="actions"
        label="Actions (JSON)"
        value={values.actions ?? EXAMPLE.actions}
        hint='A list of actions, each with its "type": run-deployment, cancel-flow-run, call-webhook, send-notification…'
        rows={8}
      />
      <details class="more-fields">
        <summary>Tags and actions on trigger or resolve</summary>
        <JsonEditor
          id="automation-tags"
          name="tags"
          label="Tags (JSON)"
          value={values.tags ?? []}
          hint="A list of strings."
          rows={2}
        />
        <JsonEditor
          id="automation-on-trigger"
          name="actions_on_trigger"
          label="Actions on trigger (JSON)"
          value={values.actions_on_trigger ?? []}
          hint="Run after the actions above, on each firing."
          rows={3}
        />
        <JsonEditor
          id="automation-on-resolve"
          name="actions_on_resolve"
          label="Actions on resolve (JSON)"
          value={values.actions_on_resolve ?? []}
          hint="Run when a firing trigger resolves."
          rows={3}
        />
      </details>
      <p class="form-error field-error" />
      <div>
        <button type="submit" class="button primary">
          {props.method === 'POST' ? 'Create automation' : 'Save'}
        </button>
      </div>
    </form>
  );
}

export async function newAutomationPage(c: DashboardContext): Promise<Response> {
  if (!c.get('viewer').may(WRITE_ROUTES.create)) return refused(c, 'New automation', WRITE_ROUTES.create);
  return page(
    c,
    { title: 'New automation', current: 'automations', styles: ['events.css'] },
    <>
      <p class="crumbs">
        <a href="/automations">Automations</a> /
      </p>
      <h1>New automation</h1>
      <AutomationForm values={{}} method="POST" path="/api/automations" open="/automations/{id}" />
    </>,
  );
}

export async function editAutomationPage(c: DashboardContext): Promise<Response> {
  if (!c.get('viewer').may(WRITE_ROUTES.replace)) return refused(c, 'Edit automation', WRITE_ROUTES.replace);
  const id = c.req.param('id')!;
  const automation = UUID.test(id) ? await readAutomation(c.env.DB, id.toLowerCase()) : null;
  if (!automation) return c.redirect('/automations', 303);
  return page(
    c,
    { title: `Edit ${automation.name}`, current: 'automations', styles: ['events.css'] },
    <>
      <p class="crumbs">
        <a href="/automations">Automations</a> /{' '}
        <a href={`/automations/${automation.id}`}>{automation.name}</a> /
      </p>
      <h1>Edit {automation.name}</h1>
      <AutomationForm
        values={automation}
        method="PUT"
        path={`/api/automations/${automation.id}`}
        open={`/automations/${automation.id}`}
      />
    </>,
  );
}
