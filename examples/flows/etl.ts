// An example ETL flow: tasks fanned out with map, retried when flaky, cached by their inputs.
import { exponentialBackoff, flow, getRunLogger, INPUTS, task, unmapped } from 'edgeflow';
import { z } from 'zod';

const extract = task(
  async (day: string) => Array.from({ length: 5 }, (_, i) => ({ id: `${day}-${i}`, value: i * 10 })),
  { name: 'extract', cachePolicy: INPUTS, cacheExpiration: 3600 },
);

const transform = task(
  async (row: { id: string; value: number }, factor: number) => {
    // One call in ten fails, to show retries with exponential backoff.
    if (Math.random() < 0.1) throw new Error(`flaky upstream for ${row.id}`);
    return { ...row, value: row.value * factor };
  },
  { name: 'transform', retries: 3, retryDelaySeconds: exponentialBackoff(1) },
);

const load = task(
  async (rows: { id: string; value: number }[]) => {
    getRunLogger().info(`loaded ${rows.length} rows, total ${rows.reduce((sum, row) => sum + row.value, 0)}`);
    return rows.length;
  },
  { name: 'load' },
);

export const etl = flow(
  async ({ day, factor }: { day: string; factor: number }) => {
    const rows = await extract(day);
    const transformed = await Promise.all(transform.map(rows, unmapped(factor)));
    return { loaded: await load(transformed) };
  },
  {
    name: 'etl',
    parameters: z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), factor: z.number().default(2) }),
  },
);
