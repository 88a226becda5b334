// The project the command-line tests deploy: three deployments on one pool, and their flows.
import { ZOD_URL } from './cli-harness.ts';
import { SDK_URL } from './harness.ts';

export const POOL = 'cli';

export const CONFIG = {
  deployments: [
    {
      name: 'default',
      entrypoint: 'flows/greet.ts',
      work_pool_name: POOL,
      parameters: { name: 'world' },
      tags: ['cli-test'],
      schedules: [{ cron: '*/5 * * * *', timezone: 'Europe/Paris' }],
    },
    { name: 'default', flow: 'boom', entrypoint: 'flows/more.ts', work_pool_name: POOL },
    { name: 'default', entrypoint: 'flows/more.ts:slow', work_pool_name: POOL },
  ],
};

export const FLOWS = {
  'edgeflow.json': JSON.stringify(CONFIG, null, 2),
  'flows/greet.ts': `
import { z } from '${ZOD_URL}';
import { flow, getRunLogger, task } from '${SDK_URL}';

const double = task(async (x: number) => x * 2, { name: 'double' });

export const greet = flow(
  async ({ name, times }: { name: string; times: number }) => {
    for (let i = 0; i < times; i++) await double(i);
    getRunLogger().info(\`hello \${name} x\${times}\`);
    return name;
  },
  { name: 'greet', parameters: z.object({ name: z.string(), times: z.number().int().default(1) }) },
);
`,
  'flows/more.ts': `
import { existsSync } from 'node:fs';
import { flow, getRunLogger } from '${SDK_URL}';

/** Logs, waits for \`marker\` to exist, logs again: a test decides when its second line comes. */
export const gated = flow(async ({ marker }: { marker: string }) => {
  getRunLogger().info('gated started');
  while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 50));
  getRunLogger().info('gated finished');
}, { name: 'gated' });

export const boom = flow(async () => {
  getRunLogger().error('about to fail');
  throw new Error('boom on purpose');
}, { name: 'boom' });

export const slow = flow(async ({ seconds = 300 }: { seconds?: number }) => {
  getRunLogger().info('slow started');
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  getRunLogger().info('slow finished');
}, { name: 'slow' });
`,
};
