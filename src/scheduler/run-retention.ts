// Retention of runs, logs and artifacts (docs/retention.md): the Cron Trigger deletes what is due in
// bounded batches beside the tick, never in its way, and stops after its time budget; a backlog goes
// on at the next tick.
import {
  deleteArtifactVersions,
  deploymentRetentionDays,
  expiredArtifacts,
  expiredRootRuns,
  finishedRunsAfter,
  pruneLogs,
  type RunCursor,
  readResultsMark,
  writeResultsMark,
} from '../db/retention';
import {
  resultsGoWithRuns,
  retentionCutoff,
  retentionSettings,
  runRetentionClasses,
} from '../domain/retention';
import type { Env } from '../env';
import { deleteRunResults, deleteRunTrees } from './run-deletion';

export interface RetentionBounds {
  /** Root runs (or log lines, artifact versions) per batch. */
  batchSize?: number;
  /** Batches of each kind a tick. */
  batches?: number;
  /** No batch starts after this long; the next tick goes on. */
  budgetMs?: number;
}

export interface RetentionReport {
  runs: number;
  logs: number;
  artifacts: number;
  /** Runs whose R2 results went ahead of the run. */
  results: number;
}

/** Deletes up to one tick's share of what retention has made due. */
export async function pruneExpiredRecords(
  env: Env,
  now: Date,
  { batchSize = 50, batches = 4, budgetMs = 20_000 }: RetentionBounds = {},
): Promise<RetentionReport> {
  const started = Date.now();
  const inBudget = () => Date.now() - started < budgetMs;
  const settings = retentionSettings(env);
  const report: RetentionReport = { runs: 0, logs: 0, artifacts: 0, results: 0 };
  const step = async (kind: keyof RetentionReport, work: () => Promise<number>) => {
    try {
      report[kind] += await work();
    } catch (error) {
      console.error(`retention of ${kind} failed; the next tick tries again`, error);
    }
  };

  await step('runs', async () => {
    let deleted = 0;
    let left = batches;
    const classes = runRetentionClasses(now, settings, await deploymentRetentionDays(env.DB));
    for (const klass of classes) {
      // Within a tick a cursor walks past the runs kept (a subflow run still going): no batch repeats them.
      let after: RunCursor | null = null;
      while (left > 0 && inBudget()) {
        const roots = await expiredRootRuns(env.DB, klass, after, batchSize);
        if (roots.length === 0) break;
        left--;
        deleted += (
          await deleteRunTrees(
            env,
            roots.map((root) => root.id),
          )
        ).deleted.length;
        after = roots[roots.length - 1]!;
        if (roots.length < batchSize) break;
      }
    }
    return deleted;
  });

  // Results kept for less time than their runs: a sweep behind a mark, so no run is looked at twice.
  await step('results', async () => {
    if (resultsGoWithRuns(settings)) return 0;
    let swept = 0;
    const cutoff = retentionCutoff(now, settings.results);
    let mark = await readResultsMark(env.DB);
    for (let i = 0; i < batches && inBudget(); i++) {
      const runs = await finishedRunsAfter(env.DB, cutoff, mark, batchSize);
      if (runs.length === 0) break;
      swept += await deleteRunResults(
        env,
        runs.map((run) => run.id),
      );
      mark = runs[runs.length - 1]!;
      await writeResultsMark(env.DB, mark);
      if (runs.length < batchSize) break;
    }
    return swept;
  });

  await step('logs', async () => {
    let deleted = 0;
    const cutoff = retentionCutoff(now, settings.logs);
    for (let i = 0; i < batches && inBudget(); i++) {
      const changes = await pruneLogs(env.DB, cutoff, batchSize * 20);
      deleted += changes;
      if (changes < batchSize * 20) break;
    }
    return deleted;
  });

  await step('artifacts', async () => {
    let deleted = 0;
    const cutoff = retentionCutoff(now, settings.artifacts);
    for (let i = 0; i < batches && inBudget(); i++) {
      const rows = await expiredArtifacts(env.DB, cutoff, batchSize);
      const dataKeys = rows.flatMap((row) => (row.data_key ? [row.data_key] : []));
      if (dataKeys.length > 0) await env.RESULTS.delete(dataKeys);
      deleted += await deleteArtifactVersions(
        env.DB,
        rows.map((row) => row.seq),
      );
      if (rows.length < batchSize) break;
    }
    return deleted;
  });
  return report;
}
