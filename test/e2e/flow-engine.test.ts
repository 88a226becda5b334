// The SDK's flow engine and the API client against the real local server: in-process flow retries,
// flows called outside a run, the run context shared across SDK copies, and the client's error family.
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  ApiUnavailableError,
  EdgeflowClient,
  StaleLeaseError,
} from '../../worker-agent/src/client/index.ts';
import {
  currentRun,
  flow,
  flowDefinitionOf,
  getRunLogger,
  type LogRecord,
  runFlowRun,
} from '../../worker-agent/src/sdk/index.ts';
import { freePort, type LocalServer, startServer } from './harness.ts';

let server: LocalServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
});

async function pendingRun(name: string, retries = 0) {
  const created = await server.client.createFlow({ name });
  return server.client.createFlowRun({ flow_id: created.id, empirical_policy: { retries, retry_delay: 0 } });
}

describe('the flow engine', () => {
  it('runs a flow again in the same process when the server answers FAILED with AwaitingRetry', async () => {
    let calls = 0;
    const flaky = flow(
      () => {
        calls++;
        if (calls === 1) throw new Error('first attempt fails');
        return { attempt: calls };
      },
      { name: 'flaky', retries: 1 },
    );
    const run = await pendingRun('flaky', 1);
    const logs: LogRecord[] = [];

    const outcome = await runFlowRun(flowDefinitionOf(flaky, 'flaky')!, {
      flowRun: run,
      leaseId: undefined,
      client: server.client,
      log: (record) => logs.push(record),
    });

    expect(outcome).toMatchObject({ kind: 'final', state: { type: 'COMPLETED', data: { attempt: 2 } } });
    const names = (await server.client.readFlowRunStates(run.id)).map((state) => state.name);
    expect(names).toEqual(expect.arrayContaining(['Running', 'AwaitingRetry', 'Completed']));
    expect(logs.some((log) => log.level === 40 && log.message.includes('first attempt fails'))).toBe(true);
  });

  it('reports FAILED with the error message once retries are exhausted', async () => {
    const broken = flow(() => {
      throw new TypeError('no luck');
    });
    const run = await pendingRun('broken');

    const outcome = await runFlowRun(flowDefinitionOf(broken, 'broken')!, {
      flowRun: run,
      leaseId: undefined,
      client: server.client,
      log: () => undefined,
    });

    expect(outcome).toMatchObject({ kind: 'final', state: { type: 'FAILED' } });
    expect((await server.client.readFlowRun(run.id)).state?.message).toContain('TypeError: no luck');
  });

  it('gives a flow its run context, and a flow called outside any run just calls its function', async () => {
    const seen: (string | undefined)[] = [];
    const inspect = flow(() => {
      seen.push(currentRun()?.flowRun.id);
      getRunLogger().info('inside');
      return 'ok';
    });
    const run = await pendingRun('inspect');

    await expect(inspect({} as never)).resolves.toBe('ok');
    await runFlowRun(flowDefinitionOf(inspect, 'inspect')!, {
      flowRun: run,
      leaseId: undefined,
      client: server.client,
      log: () => undefined,
    });

    expect(seen).toEqual([undefined, run.id]);
  });

  it('shares the run context with another copy of the SDK loaded in the same process', async () => {
    const contextUrl = pathToFileURL(`${import.meta.dirname}/../../worker-agent/src/sdk/context.ts`).href;
    const otherCopy = (await import(
      `${contextUrl}?another-copy`
    )) as typeof import('../../worker-agent/src/sdk/context.ts');
    const run = await pendingRun('copies');
    const ours = await import('../../worker-agent/src/sdk/context.ts');

    const seenByOtherCopy = ours.withRunContext(
      { flowRun: run, leaseId: undefined, client: server.client, log: () => undefined },
      () => otherCopy.currentRun()?.flowRun.id,
    );

    expect(otherCopy).not.toBe(ours);
    expect(seenByOtherCopy).toBe(run.id);
  });
});

describe('the API client', () => {
  it('surfaces a proposal with a stale lease as StaleLeaseError', async () => {
    const run = await pendingRun('leased');
    await expect(
      server.client.setFlowRunState(run.id, { state: { type: 'RUNNING' }, lease_id: 'not-the-lease' }),
    ).rejects.toBeInstanceOf(StaleLeaseError);
  });

  it('does not retry a 4xx and reports its dotted code', async () => {
    const retried: string[] = [];
    const client = new EdgeflowClient({
      apiUrl: server.url,
      apiKey: 'wrong-key',
      maxAttempts: 5,
      onRetry: (failure) => retried.push(failure),
    });
    const error = await client.readFlowRun(crypto.randomUUID()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'auth.invalid_key' });
    expect(retried).toEqual([]);
  });

  it('retries network failures with backoff, then gives up with ApiUnavailableError', async () => {
    const nothingListening = `http://127.0.0.1:${await freePort()}`;
    const client = new EdgeflowClient({
      apiUrl: nothingListening,
      apiKey: 'k',
      maxAttempts: 3,
      backoff: { baseMs: 1, maxMs: 2 },
    });
    const error = await client.health().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiUnavailableError);
    expect(error).toMatchObject({ attempts: 3 });
  });
});
