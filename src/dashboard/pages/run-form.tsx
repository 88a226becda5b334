// A deployment's Run form, one control per parameter of its schema. It posts to the API's
// create_flow_run; a refused value comes back naming its field (`parameters.count`), and the page
// shows the message beside that control (static/dashboard.js).
import type { Deployment } from 'edgeflow/protocol';
import { type ParameterField, parameterFields } from '../../domain/dashboard';
import type { Viewer } from '../viewer';

const RUN_ROUTE = 'POST /api/deployments/{id}/create_flow_run';

/** One field's control; named `<prefix>.<name>` (`parameters.count`), as the API names it in errors. */
export function Control(props: { field: ParameterField; id: string; describedBy: string; prefix?: string }) {
  const { field, id, describedBy, prefix = 'parameters' } = props;
  const common = {
    id,
    name: `${prefix}.${field.name}`,
    'data-kind': field.kind,
    'aria-describedby': describedBy,
    'aria-required': field.required ? 'true' : undefined,
  };
  switch (field.kind) {
    case 'boolean':
      return <input type="checkbox" {...common} checked={field.initial === 'true'} />;
    case 'choice':
      return (
        <select {...common}>
          {field.required ? null : <option value="">(default)</option>}
          {field.choices.map((choice) => (
            <option value={choice} selected={choice === field.initial}>
              {typeof JSON.parse(choice) === 'string' ? JSON.parse(choice) : choice}
            </option>
          ))}
        </select>
      );
    case 'json':
      return <textarea {...common}>{field.initial}</textarea>;
    case 'number':
    case 'integer':
      // Text, not type=number: the browser would blank what it can't parse, and the server should say why.
      return (
        <input
          type="text"
          inputmode={field.kind === 'integer' ? 'numeric' : 'decimal'}
          autocomplete="off"
          {...common}
          value={field.initial}
        />
      );
    default:
      return <input type="text" autocomplete="off" {...common} value={field.initial} />;
  }
}

export function hint(field: ParameterField): string {
  const kind = {
    string: 'text',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'yes or no',
    choice: 'one of the choices',
    json: 'JSON',
  }[field.kind];
  const range =
    field.minimum !== null && field.maximum !== null
      ? `, ${field.minimum} to ${field.maximum}`
      : field.minimum !== null
        ? `, at least ${field.minimum}`
        : field.maximum !== null
          ? `, at most ${field.maximum}`
          : '';
  return `${field.required ? 'Required' : 'Optional'}: ${kind}${range}.${field.description ? ` ${field.description}` : ''}`;
}

/** One control per field, each with its hint and a place for the error the API names it in. */
export function FormFields(props: { fields: ParameterField[]; idPrefix: string; namePrefix?: string }) {
  const { fields, idPrefix, namePrefix } = props;
  return (
    <>
      {fields.map((field, index) => {
        const id = `${idPrefix}-${index}`;
        return (
          <div class="field">
            <label for={id}>{field.label}</label>
            <Control field={field} id={id} describedBy={`${id}-hint ${id}-error`} prefix={namePrefix} />
            <span id={`${id}-hint`} class="hint">
              {hint(field)}
            </span>
            <span id={`${id}-error`} class="field-error" />
          </div>
        );
      })}
    </>
  );
}

/** The form's submit button; disabled, saying which scope it needs, for a key that may not send it. */
export function SubmitButton(props: { label: string; route: string; viewer: Viewer }) {
  const { label, route, viewer } = props;
  const allowed = viewer.may(route);
  return (
    <div>
      <button
        type="submit"
        class="button primary"
        disabled={!allowed}
        title={
          allowed
            ? undefined
            : `Needs a key with the ${viewer.needs(route)} scope; this key is ${viewer.scope}.`
        }
      >
        {label}
      </button>
    </div>
  );
}

export function RunForm(props: { deployment: Deployment; viewer: Viewer }) {
  const { deployment, viewer } = props;
  const fields = parameterFields(deployment.parameter_openapi_schema, deployment.parameters);
  return (
    <form
      class="fields"
      data-method="POST"
      data-path={`/api/deployments/${deployment.id}/create_flow_run`}
      data-then="open-run"
      novalidate
      aria-labelledby="run-form-title"
    >
      {fields.length === 0 ? (
        <p class="note">
          {deployment.parameter_openapi_schema
            ? 'This flow takes no parameters.'
            : 'This deployment has no parameter schema; runs use its default parameters.'}
        </p>
      ) : null}
      <FormFields fields={fields} idPrefix="param" />
      <p class="form-error field-error" />
      <SubmitButton label="Run" route={RUN_ROUTE} viewer={viewer} />
    </form>
  );
}
