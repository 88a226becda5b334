// Real D1 failures for tests: a trigger makes D1 refuse some inserts, so the whole batch carrying one
// fails as it would in production. No fake D1.
import { env } from 'cloudflare:workers';

/** D1 refuses every event about this flow run until the returned function is called. */
export async function refuseEventsOf(flowRunId: string): Promise<() => Promise<void>> {
  const trigger = `refuse_${flowRunId.replaceAll('-', '')}`;
  await env.DB.prepare(
    `CREATE TRIGGER ${trigger} BEFORE INSERT ON events WHEN NEW.resource_id = 'prefect.flow-run.${flowRunId}'
     BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`,
  ).run();
  return async () => {
    await env.DB.prepare(`DROP TRIGGER ${trigger}`).run();
  };
}
