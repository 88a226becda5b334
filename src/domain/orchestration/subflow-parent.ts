// Prefect's UpdateSubflowParentTask: the task run that stands for a subflow in its parent follows the
// subflow's states, so the parent's graph and results show it (docs/prefect-compat.md).
import type { FlowRun, StateCreate } from 'edgeflow/protocol';

export interface ParentTaskProposal {
  taskRunId: string;
  /** Proposed with force: the child flow run's rules already decided it. */
  state: StateCreate;
}

/**
 * A copy of the subflow run's current state for its parent task run, naming the child run. Its
 * transition id is the child state's id, so proposing the same state again writes nothing twice.
 */
export function parentTaskProposal(child: FlowRun): ParentTaskProposal | null {
  if (!child.parent_task_run_id || !child.state) return null;
  const { type, name, message, data, state_details, id } = child.state;
  return {
    taskRunId: child.parent_task_run_id,
    state: {
      type,
      name,
      message,
      data,
      state_details: {
        ...state_details,
        child_flow_run_id: child.id,
        flow_run_id: null,
        task_run_id: child.parent_task_run_id,
        transition_id: id,
      },
    },
  };
}
