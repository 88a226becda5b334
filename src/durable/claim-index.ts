// The index rows of the runs one claim took, written by the work pool in one D1 batch: each run object
// commits its PENDING and hands its rows over (RunOutbox.handOverIndex) instead of making a D1 round
// trip of its own, one per run (docs/performance.md). The claim is answered after this, so a filter
// made after a claim still sees its runs PENDING (docs/orchestration.md, "The D1 index").
import { eventInsertStatements } from '../db/events';
import { writeRunIndexes } from '../db/run-index';
import type { Env } from '../env';
import { flowRunObject, nudgeAutomations } from './objects';
import type { HandedOverIndex } from './run-outbox';

export interface HandedOverRun {
  runId: string;
  index: HandedOverIndex;
}

export async function writeClaimedIndexes(env: Env, handed: HandedOverRun[]): Promise<void> {
  if (handed.length === 0) return;
  try {
    const events = eventInsertStatements(
      env.DB,
      handed.flatMap(({ index }) => index.events),
      new Date(),
    );
    const changed = await writeRunIndexes(
      env.DB,
      handed.map(({ index }) => index.flowRun),
      events,
    );
    // The automations evaluator reads the events just stored, as after a run object's own write.
    if (events.length > 0 && changed > 0) void nudgeAutomations(env);
  } catch (error) {
    // The objects still hold the rows as undelivered: a read makes each deliver what D1 lacks.
    console.error("a claim's index write failed; its run objects deliver their own", error);
    await Promise.all(
      handed.map(({ runId }) =>
        flowRunObject(env, runId)
          .read()
          .catch(() => null),
      ),
    );
  }
}
