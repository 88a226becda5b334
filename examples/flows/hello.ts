// An example flow the local setup (`npm run dev`) runs every minute.
import { flow, getRunLogger } from 'edgeflow';

export const hello = flow(
  async ({ name = 'world' }: { name?: string }) => {
    const logger = getRunLogger();
    logger.info(`Hello, ${name}!`);
    return { greeting: `Hello, ${name}!`, at: new Date().toISOString() };
  },
  { name: 'hello' },
);
