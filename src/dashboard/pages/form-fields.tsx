// The controls of the forms generated from a JSON Schema (a deployment's Run form, the resume-with-input
// form, a block document's form): one control per field, its hint, a place for the error the API names
// it in, and the submit button.
import type { ParameterField } from '../../domain/dashboard';
import type { Viewer } from '../viewer';

/** A field; `secret` ones are entered masked and hold only the placeholder (docs/dashboard.md, "Blocks"). */
export type FormField = ParameterField & { secret?: boolean };

/** How the form presents its fields: the inputs' name prefix and the label of a choice left empty. */
export interface ControlOptions {
  /** Inputs are named `<prefix>.<name>` (`parameters.count`), as the API names them in errors. */
  prefix?: string;
  /** What an optional choice left empty means: the deployment's default, or no value. */
  emptyChoice?: string;
}

/** One field's control. */
export function Control(props: { field: FormField; id: string; describedBy: string } & ControlOptions) {
  const { field, id, describedBy, prefix = 'parameters', emptyChoice = '(default)' } = props;
  const common = {
    id,
    name: `${prefix}.${field.name}`,
    'data-kind': field.kind,
    'aria-describedby': describedBy,
    'aria-required': field.required ? 'true' : undefined,
  };
  if (field.secret)
    // The placeholder, never a value; a secret that may be an object reads typed `{…}` as JSON.
    return (
      <input
        type="password"
        autocomplete="new-password"
        {...common}
        data-kind={field.kind === 'json' ? 'json-or-text' : field.kind}
        value={field.initial}
      />
    );
  switch (field.kind) {
    case 'boolean':
      return <input type="checkbox" {...common} checked={field.initial === 'true'} />;
    case 'choice':
      return (
        <select {...common}>
          {field.required ? null : <option value="">{emptyChoice}</option>}
          {field.choices.map((choice) => (
            <option value={choice} selected={choice === field.initial}>
              {typeof JSON.parse(choice) === 'string' ? JSON.parse(choice) : choice}
            </option>
          ))}
        </select>
      );
    case 'json':
      return (
        <textarea {...common} class="json-editor" rows={4}>
          {field.initial}
        </textarea>
      );
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

/** What the field takes, in words; `note` (what a secret field shows, say) goes before its description. */
export function hint(field: ParameterField, note = ''): string {
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
  const notes = `${note ? ` ${note}` : ''}${field.description ? ` ${field.description}` : ''}`;
  return `${field.required ? 'Required' : 'Optional'}: ${kind}${range}.${notes}`;
}

/** One control per field, each with its hint and a place for the error the API names it in. */
export function FormFields(
  props: {
    fields: FormField[];
    idPrefix: string;
    /** A note added to a field's hint (what its secret shows), if any. */
    noteOf?: (field: FormField) => string;
  } & ControlOptions,
) {
  const { fields, idPrefix, noteOf, ...options } = props;
  return (
    <>
      {fields.map((field, index) => {
        const id = `${idPrefix}-${index}`;
        return (
          <div class="field">
            <label for={id}>{field.label}</label>
            <Control field={field} id={id} describedBy={`${id}-hint ${id}-error`} {...options} />
            <span id={`${id}-hint`} class="hint">
              {hint(field, noteOf?.(field))}
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
