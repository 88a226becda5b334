// Shared by the SDK end-to-end files: one server and one agent per file, flows run through a work pool.
import { existsSync, readFileSync } from 'node:fs';
import type { FlowRun, State, StateType, TaskRun } from '../../worker-agent/src/protocol/index.ts';
import {
  type LocalServer,
  type ProcessGroup,
  startAgent,
  startServer,
  tempProject,
  waitUntil,
} from './harness.ts';

export interface SdkWorld {
  server: LocalServer;
  project: ReturnType<typeof tempProject>;
  agent: ProcessGroup;
  pool: string;
}

export async function startWorld(
  pool: string,
  files: Record<string, string>,
  agentArgs: string[] = [],
  env: NodeJS.ProcessEnv = {},
) {
  const [server, project] = await Promise.all([startServer(), tempProject(files)]);
  const agent = await startAgent({ server, pool, cwd: project.dir, args: agentArgs, env });
  return { server, project, agent, pool };
}

export async function stopWorld(world: SdkWorld | undefined): Promise<void> {
  if (!world) return;
  await world.agent.stop('SIGKILL', 1_000);
  await world.server.stop();
  world.project.remove();
}

export async function runFlow(
  world: SdkWorld,
  entrypoint: string,
  parameters: Record<string, unknown> = {},
  retries = 0,
): Promise<FlowRun> {
  const flow = await world.server.client.createFlow({ name: entrypoint.split(':')[1]! });
  return world.server.client.createFlowRun({
    flow_id: flow.id,
    work_pool_name: world.pool,
    entrypoint,
    parameters,
    empirical_policy: { retries, retry_delay: 0 },
  });
}

const FINAL: StateType[] = ['COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED'];

export async function finished(world: SdkWorld, run: FlowRun, timeoutMs = 60_000): Promise<FlowRun> {
  try {
    return await waitUntil(
      () => world.server.client.readFlowRun(run.id),
      (current) => current.state_type !== null && FINAL.includes(current.state_type),
      timeoutMs,
      `flow run ${run.id} to finish`,
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nagent:\n${world.agent.output.split('\n').slice(-30).join('\n')}`,
    );
  }
}

/** Task runs by name (`add-0`, `add-1`, …), read from the run itself. */
export async function taskRuns(world: SdkWorld, flowRunId: string): Promise<Map<string, TaskRun>> {
  const runs = await world.server.client.listTaskRuns(flowRunId);
  return new Map(runs.map((run) => [run.name, run]));
}

export async function stateNames(world: SdkWorld, taskRunId: string): Promise<string[]> {
  return (await world.server.client.readTaskRunStates(taskRunId)).map((state: State) => state.name);
}

/** Lines a flow appended to a marker file (how tests count executions of a task body). */
export function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean) : [];
}
