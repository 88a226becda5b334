// Proposed states as the rules see them: a full state minus its id, which is given only when written.
import {
  defaultStateName,
  type State,
  type StateCreate,
  type StateDetails,
  type StateType,
} from 'edgeflow/protocol';

/** A state on its way to being written: every field filled, the id assigned at write time. */
export type ProposedState = Omit<State, 'id'>;

export function isoAfterSeconds(from: Date, seconds: number): string {
  return new Date(from.getTime() + seconds * 1000).toISOString();
}

/** A proposal as written: the proposer's timestamp kept (normalised to UTC), absent fields defaulted. */
export function normaliseProposal(create: StateCreate, now: Date): ProposedState {
  return newProposedState(create.type, {
    name: create.name ?? undefined,
    timestamp: create.timestamp ? new Date(create.timestamp).toISOString() : now.toISOString(),
    message: create.message ?? null,
    data: create.data ?? null,
    state_details: create.state_details ?? {},
  });
}

export interface ProposedStateFields {
  name?: string;
  timestamp: string;
  message?: string | null;
  data?: unknown;
  state_details?: StateDetails;
}

/**
 * Builds a state the way Prefect's server schema does: the name defaults from the type, and a
 * SCHEDULED state without a scheduled time is due at its own timestamp.
 */
export function newProposedState(type: StateType, fields: ProposedStateFields): ProposedState {
  const details: StateDetails = { ...fields.state_details };
  if (type === 'SCHEDULED' && !details.scheduled_time) details.scheduled_time = fields.timestamp;
  return {
    type,
    name: fields.name ?? defaultStateName(type),
    timestamp: fields.timestamp,
    message: fields.message ?? null,
    data: fields.data ?? null,
    state_details: details,
  };
}

/** A COMPLETED state whose result can be read back (inline value or stored record). */
export function hasPersistedResult(state: State | ProposedState): boolean {
  return state.type === 'COMPLETED' && state.data != null;
}
