// Before the fault suite: the agent package built (agents run from dist), last run's rows cleared, a seed.
import { buildAgentIfStale } from '../e2e/global-setup.ts';
import { chooseSeed } from './profile.ts';
import { clearRows } from './table.ts';

export default function setup(): void {
  buildAgentIfStale();
  clearRows();
  chooseSeed();
}
