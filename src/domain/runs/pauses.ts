// Pauses: what a resume does with its `run_input` (checked against the JSON Schema the pause stored,
// then kept as the pause's response), and the Suspended state an automation proposes (docs/sdk.md).
import type { FlowRunInput, State, StateCreate } from 'edgeflow/protocol';
import { parameterProblems, schemaProblem } from '../deployments/parameters';

export type ResumeInputDecision =
  /** Resume; with `response`, store it in the same transaction as the resumed state. */
  | { kind: 'resume'; response: { key: string; value: string } | null }
  | { kind: 'invalid'; field: string; message: string };

/** The schema input's key when the run waits for typed input, else null. */
export function pauseSchemaKey(state: State | null): string | null {
  if (state?.type !== 'PAUSED') return null;
  return state.state_details.run_input_keyset?.schema ?? null;
}

/**
 * A pause without a keyset takes any input and ignores it, as Prefect does. A pause that waits for
 * input checks it (a missing input is checked as `{}`, so its required fields are named) and keeps it
 * under the keyset's `response` key.
 */
export function resumeInputDecision(
  state: State | null,
  schema: FlowRunInput | null,
  runInput: Record<string, unknown> | undefined,
): ResumeInputDecision {
  const keyset = state?.type === 'PAUSED' ? state.state_details.run_input_keyset : null;
  if (!keyset?.response) return { kind: 'resume', response: null };
  const input = runInput ?? {};
  if (schema) {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(schema.value) as Record<string, unknown>;
    } catch {
      return { kind: 'invalid', field: 'run_input', message: 'The pause stored a schema that is not JSON.' };
    }
    const broken = schemaProblem(parsed);
    if (broken)
      return { kind: 'invalid', field: 'run_input', message: `The pause's schema is unusable: ${broken}` };
    const [problem] = parameterProblems(parsed, input, 'run_input');
    if (problem)
      return {
        kind: 'invalid',
        field: problem.field,
        message: `Invalid ${problem.field}: ${problem.message}`,
      };
  }
  return { kind: 'resume', response: { key: keyset.response, value: JSON.stringify(input) } };
}

/** A new input row of run `flowRunId`, as Prefect's API shows it. */
export function newRunInput(
  flowRunId: string,
  input: { key: string; value: string; sender?: string | null },
  now: Date,
  id: string,
): FlowRunInput {
  const at = now.toISOString();
  return {
    id,
    created: at,
    updated: at,
    flow_run_id: flowRunId,
    key: input.key,
    value: input.value,
    sender: input.sender ?? null,
  };
}

/** How long a run suspended by an automation may wait for its resume (Prefect's `Suspended(timeout_seconds=3600)`). */
export const AUTOMATION_SUSPEND_SECONDS = 3600;

/** The state the `suspend-flow-run` action proposes: PAUSED with reschedule, so its process ends. */
export function suspendedByAutomation(now: Date): StateCreate {
  return {
    type: 'PAUSED',
    name: 'Suspended',
    message: 'Suspended by an automation',
    state_details: {
      pause_reschedule: true,
      pause_timeout: new Date(now.getTime() + AUTOMATION_SUSPEND_SECONDS * 1000).toISOString(),
    },
  };
}
