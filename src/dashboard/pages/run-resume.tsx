// The resume form of a run paused for typed input: one control per field of the JSON Schema the pause
// stored (the same controls as a deployment's Run form). It posts `{run_input}` to the resume route; a
// value the schema refuses comes back naming its field (`run_input.amount`), shown beside that control.
import type { FlowRun, FlowRunInput } from 'edgeflow/protocol';
import { parameterFields } from '../../domain/dashboard';
import type { FlowRunHandle } from '../../durable/objects';
import type { Viewer } from '../viewer';
import { FormFields, SubmitButton } from './form-fields';

const RESUME_ROUTE = 'POST /api/flow_runs/{id}/resume';

export interface PausedForInput {
  schema: Record<string, unknown>;
  description: string | null;
}

/** Whether the run waits for typed input at its resume: its pause named a keyset. */
export function waitsForInput(run: FlowRun): boolean {
  return run.state_type === 'PAUSED' && Boolean(run.state?.state_details.run_input_keyset?.schema);
}

const jsonOf = (input: FlowRunInput | 'absent' | null): unknown => {
  if (!input || input === 'absent') return null;
  try {
    return JSON.parse(input.value);
  } catch {
    return null;
  }
};

/** The stored schema and description of the run's pause, or null when it waits for no input. */
export async function loadPausedForInput(
  object: FlowRunHandle,
  run: FlowRun,
): Promise<PausedForInput | null> {
  const keyset = run.state?.state_details.run_input_keyset;
  if (!waitsForInput(run) || !keyset?.schema) return null;
  const [schema, description] = await Promise.all([
    object.readInput(keyset.schema),
    keyset.description ? object.readInput(keyset.description) : null,
  ]);
  const parsed = jsonOf(schema);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const text = jsonOf(description);
  return { schema: parsed as Record<string, unknown>, description: typeof text === 'string' ? text : null };
}

export function ResumeForm(props: { run: FlowRun; paused: PausedForInput; viewer: Viewer }) {
  const { run, paused, viewer } = props;
  const fields = parameterFields(paused.schema, {});
  return (
    <section aria-labelledby="resume-form-title" id="resume-form">
      <h2 id="resume-form-title">Resume with input</h2>
      {paused.description ? <p class="note">{paused.description}</p> : null}
      <form
        class="fields"
        data-method="POST"
        data-path={`/api/flow_runs/${run.id}/resume`}
        novalidate
        aria-labelledby="resume-form-title"
      >
        <FormFields fields={fields} idPrefix="run-input" prefix="run_input" />
        <p class="form-error field-error" />
        <SubmitButton label="Resume" route={RESUME_ROUTE} viewer={viewer} />
      </form>
    </section>
  );
}
