// Resuming a paused flow run from inside its object: a pause waiting for typed input checks the
// `run_input` against its stored schema first, and the input is kept, as the pause's response, in the
// transaction that resumes the run (docs/sdk.md, "Pause, suspend and input").
import { resumeProposal } from '../domain/orchestration';
import { flowRunSnapshot } from '../domain/runs/flow-run-docs';
import { newRunInput, pauseSchemaKey, resumeInputDecision } from '../domain/runs/pauses';
import type { SetStateReply } from './flow-run-object';
import type { RunProposals } from './run-proposals';
import type { RunStorage } from './run-storage';

/** A resume refused for its `run_input` (422 naming the field). */
export type ResumeReply = SetStateReply | { kind: 'invalid_input'; field: string; message: string };

export async function resumeRun(
  storage: RunStorage,
  proposals: RunProposals,
  runInput: Record<string, unknown> | undefined,
): Promise<ResumeReply> {
  const stored = storage.readRun();
  if (!stored) return { kind: 'not_found' };
  const proposal = resumeProposal(flowRunSnapshot(stored.doc));
  if ('status' in proposal) return { kind: 'ok', written: false, result: proposal };
  const schemaKey = pauseSchemaKey(stored.doc.state);
  const schema = schemaKey ? storage.inputs.read(schemaKey) : null;
  const decision = resumeInputDecision(stored.doc.state, schema, runInput);
  if (decision.kind === 'invalid')
    return { kind: 'invalid_input', field: decision.field, message: decision.message };
  const { response } = decision;
  const answer = await proposals.propose(proposal, {
    onAccept: response
      ? () => storage.inputs.add(newRunInput(stored.doc.id, response, new Date(), crypto.randomUUID()))
      : undefined,
  });
  if (!answer) return { kind: 'not_found' };
  await proposals.settle(answer.written);
  return { kind: 'ok', ...answer };
}
