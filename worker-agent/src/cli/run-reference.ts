// A flow run named on the command line: by its id, or by its name when that is unique.
import type { EdgeflowClient } from '../client/index.ts';
import { type FlowRun, UuidSchema } from '../protocol/index.ts';
import { UsageError } from './connection.ts';

export async function findFlowRun(client: EdgeflowClient, reference: string | undefined): Promise<FlowRun> {
  if (!reference) throw new UsageError('name a flow run by its id or its name');
  if (UuidSchema.safeParse(reference).success) return client.readFlowRun(reference);
  const found = await client.filterFlowRuns({ flow_runs: { name: { any_: [reference] } }, limit: 2 });
  if (found.length === 1) return found[0]!;
  throw new UsageError(
    found.length === 0
      ? `no flow run has the id or name "${reference}"`
      : `several flow runs are named "${reference}": give its id`,
  );
}
