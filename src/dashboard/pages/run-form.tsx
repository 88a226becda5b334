// A deployment's Run form, one control per parameter of its schema. It posts to the API's
// create_flow_run; a refused value comes back naming its field (`parameters.count`), and the page
// shows the message beside that control (static/dashboard.js).
import type { Deployment } from 'edgeflow/protocol';
import { parameterFields } from '../../domain/dashboard';
import type { Viewer } from '../viewer';
import { FormFields, SubmitButton } from './form-fields';

const RUN_ROUTE = 'POST /api/deployments/{id}/create_flow_run';

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
