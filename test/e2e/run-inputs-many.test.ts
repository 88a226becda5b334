// receiveInput reads any number of inputs: it reads on from the last input's instant instead of
// sending every key it has seen (the filter's exclude_keys stops at 1,000; docs/sdk.md, "Pause,
// suspend and input").
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { receiveInput } from '../../worker-agent/src/sdk/index.ts';
import { DEV_KEY, type LocalServer, startServer } from './harness.ts';

const INPUTS = 1_205;
let server: LocalServer;

beforeAll(async () => {
  server = await startServer();
  // receiveInput outside a flow run finds the server the way a script would: from the environment.
  process.env.EDGEFLOW_API_URL = server.url;
  process.env.EDGEFLOW_API_KEY = DEV_KEY;
});

afterAll(async () => {
  await server?.stop();
});

it(`receives ${INPUTS} inputs, each once`, async () => {
  const flow = await server.client.createFlow({ name: 'many-inputs' });
  const run = await server.client.createFlowRun({ flow_id: flow.id, name: 'receiver' });
  const keys = Array.from({ length: INPUTS }, (_, i) => `numbers-${String(i).padStart(5, '0')}`);
  for (let start = 0; start < keys.length; start += 50)
    await Promise.all(
      keys
        .slice(start, start + 50)
        .map((key, i) =>
          server.client.runInputs.create(run.id, { key, value: JSON.stringify({ n: start + i }) }),
        ),
    );
  const received: number[] = [];
  for await (const input of receiveInput(z.object({ n: z.number() }), {
    flowRunId: run.id,
    keyPrefix: 'numbers',
    timeoutSeconds: 1,
  }))
    received.push(input.value.n);
  expect(received).toHaveLength(INPUTS);
  expect(new Set(received).size).toBe(INPUTS);
}, 120_000);
