// The flow-run filters `edgeflow runs` and `edgeflow runs delete` share: --state and --deployment.
import type { EdgeflowClient } from '../../client/index.ts';
import { type FlowRunFilter, STATE_TYPES, type StateType } from '../../protocol/index.ts';
import { UsageError } from '../connection.ts';

/** `--state` values: state types (COMPLETED, …) or state names (Late, …), not both. */
export function stateFilter(states: string[]): FlowRunFilter['state'] {
  const types = states
    .map((state) => state.toUpperCase())
    .filter((state): state is StateType => (STATE_TYPES as readonly string[]).includes(state));
  const names = states.filter((state) => !(STATE_TYPES as readonly string[]).includes(state.toUpperCase()));
  if (types.length > 0 && names.length > 0)
    throw new UsageError('--state takes state types or state names, not both');
  if (types.length > 0) return { type: { any_: types } };
  if (names.length > 0) return { name: { any_: names } };
  return undefined;
}

/** `--deployment FLOW/NAME`'s id. */
export async function deploymentId(client: EdgeflowClient, flowAndName: string): Promise<string> {
  const [flowName, name] = flowAndName.split('/');
  if (!flowName || !name) throw new UsageError('--deployment takes FLOW/NAME');
  return (await client.readDeploymentByName(flowName, name)).id;
}
