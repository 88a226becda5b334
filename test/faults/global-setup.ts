// Before the fault suite: the agent package built (agents run from dist), the local server prepared,
// last run's rows cleared, a seed.
import { buildAgentIfStale, prepareServer } from '../e2e/global-setup.ts';
import { chooseSeed } from './profile.ts';
import { clearRows } from './table.ts';

export default function setup(): void {
  buildAgentIfStale();
  prepareServer();
  clearRows();
  chooseSeed();
}
