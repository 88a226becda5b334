// Request bodies as Prefect 2.15's engine sends them (a flow, a flow run, a proposed state), so both servers
// parse and store what a real client would send. Top-level nulls are left out: Prefect reads a missing
// field as null, and Edgeflow's schemas take absent rather than null there.
import { randomUUID } from 'node:crypto';

const ADJECTIVES = ['wonderful', 'crimson', 'silent', 'gentle', 'brave', 'curious', 'quick', 'amber'];
const ANIMALS = ['lemming', 'heron', 'otter', 'tapir', 'falcon', 'badger', 'lynx', 'ibis'];
const pick = (words) => words[Math.floor(Math.random() * words.length)];

function stateDetails(flowRunId) {
  return {
    flow_run_id: flowRunId,
    task_run_id: null,
    child_flow_run_id: null,
    scheduled_time: null,
    cache_key: null,
    cache_expiration: null,
    untrackable_result: false,
    pause_timeout: null,
    pause_reschedule: false,
    pause_key: null,
    run_input_keyset: null,
    refresh_cache: null,
    retriable: null,
    transition_id: flowRunId ? randomUUID() : null,
    task_parameters_id: null,
  };
}

export function flowBody() {
  return { name: `bench-load-${randomUUID().slice(0, 8)}`, tags: [] };
}

export function flowRunBody(flowId) {
  return {
    name: `${pick(ADJECTIVES)}-${pick(ANIMALS)}`,
    flow_id: flowId,
    state: { type: 'PENDING', name: 'Pending', message: null, data: null, state_details: stateDetails(null) },
    flow_version: '5d41402abc4b2a76b9719d911017c592',
    parameters: { day: '2026-11-30', factor: 3 },
    context: {},
    tags: [],
    empirical_policy: {
      max_retries: 0,
      retry_delay_seconds: 0,
      retries: 0,
      retry_delay: 0,
      pause_keys: [],
      resuming: false,
    },
  };
}

const NAMES = { RUNNING: 'Running', COMPLETED: 'Completed' };

export function setStateBody(type, flowRunId) {
  const data =
    type === 'COMPLETED'
      ? {
          type: 'unpersisted',
          artifact_type: 'result',
          artifact_description: 'Unpersisted result of type `int`',
        }
      : null;
  return {
    state: { type, name: NAMES[type], message: null, data, state_details: stateDetails(flowRunId) },
    force: false,
  };
}
