// A block document's form, generated from its block schema (JSON schema → one field per property, as
// the Run form does for parameters). Secret fields are the ones the API hides (`secret_fields`): they
// show the placeholder `********`, never a value, and sending it back keeps the stored secret.
import { HIDDEN_SECRET, isSecretPath, secretFieldsOf } from '../blocks/secrets';
import { type ParameterField, parameterFields } from './parameter-form';

export interface BlockField extends ParameterField {
  /** A secret field: entered in a password box, shown only as the placeholder. */
  secret: boolean;
}

/**
 * The fields of a block schema, filled from `data` (a document as the API reads it, secrets already
 * hidden) or empty for a new document. A secret field never carries a value into the page: it shows
 * the placeholder when the document holds one, else nothing (never the schema's default either).
 */
export function blockFields(
  schemaFields: Record<string, unknown>,
  data: Record<string, unknown>,
): BlockField[] {
  const secretFields = secretFieldsOf(schemaFields);
  return parameterFields(schemaFields, data).map((field) => {
    const secret = isSecretPath([field.name], secretFields);
    if (!secret) return { ...field, secret };
    const held = data[field.name] !== undefined && data[field.name] !== null;
    return { ...field, secret, initial: held ? HIDDEN_SECRET : '' };
  });
}
