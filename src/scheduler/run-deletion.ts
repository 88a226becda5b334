// Deleting whole finished runs (docs/retention.md): each run with its subflow runs, its run objects,
// its R2 results and artifact data, then every D1 row it left. Used by retention and by
// `POST /api/flow_runs/delete`.
import {
  artifactDataKeys,
  deleteCacheRecords,
  deleteRunLeftovers,
  deleteRunRecords,
  runTrees,
} from '../db/retention';
import { treeIsDeletable } from '../domain/retention';
import { flowRunObject } from '../durable/objects';
import type { Env } from '../env';
import { settleAll } from './concurrently';

/** Run objects asked at once. */
const PARALLEL_OBJECTS = 16;
/** R2 deletes at most this many keys a call. */
const R2_DELETE_MAX = 1000;

export interface RunDeletion {
  /** Every run deleted: the roots asked for and their subflow runs. */
  deleted: string[];
  /** Roots kept, with why: `not_final` when the run or one of its subflow runs is not final. */
  skipped: { id: string; reason: 'not_final' | 'not_found' | 'unavailable' }[];
}

async function deleteFromR2(env: Env, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += R2_DELETE_MAX)
    await env.RESULTS.delete(keys.slice(i, i + R2_DELETE_MAX));
}

/** Asks every run object: the answers `ok` accepts, the ids it refused, the ids that could not be asked. */
async function askObjects<T>(
  ids: string[],
  ask: (id: string) => Promise<T>,
  ok: (answer: T) => boolean,
): Promise<{ answers: Map<string, T>; refused: Set<string>; failed: Set<string> }> {
  const settled = await settleAll(
    ids.map((id) => () => ask(id)),
    PARALLEL_OBJECTS,
  );
  const answers = new Map<string, T>();
  const refused = new Set<string>();
  const failed = new Set<string>();
  settled.forEach((result, i) => {
    const id = ids[i]!;
    if (result.status === 'rejected') {
      console.error(`retention: run ${id} could not be asked`, result.reason);
      failed.add(id);
    } else if (ok(result.value)) answers.set(id, result.value);
    else refused.add(id);
  });
  return { answers, refused, failed };
}

/**
 * Deletes each root run with its subflow runs, if every one of them is final. R2 first (a run is
 * due, so losing its results early costs nothing; the reverse would leak them), then the objects
 * (which refuse unless final), then the index rows of the trees whose objects all went.
 */
export async function deleteRunTrees(env: Env, rootIds: string[]): Promise<RunDeletion> {
  const outcome: RunDeletion = { deleted: [], skipped: [] };
  const trees = await runTrees(env.DB, [...new Set(rootIds)]);
  // A root that is a subflow run of another deletable root goes with that one.
  const covered = new Set(
    [...trees].flatMap(([root, members]) =>
      treeIsDeletable(members) ? members.filter((m) => m.id !== root).map((m) => m.id) : [],
    ),
  );
  const due = new Map<string, string[]>();
  for (const [root, members] of trees) {
    if (covered.has(root)) continue;
    if (members.length === 0) outcome.skipped.push({ id: root, reason: 'not_found' });
    else if (!treeIsDeletable(members)) outcome.skipped.push({ id: root, reason: 'not_final' });
    else
      due.set(
        root,
        members.map((member) => member.id),
      );
  }
  const keep = (root: string, reason: RunDeletion['skipped'][number]['reason']) => {
    due.delete(root);
    outcome.skipped.push({ id: root, reason });
  };

  // The objects have the final word on finality: the index may lag behind a run started again.
  const ids = () => [...due.values()].flat();
  const keys = await askObjects(
    ids(),
    (id) => flowRunObject(env, id).resultKeys(),
    (answer) => answer.kind !== 'not_final',
  );
  for (const [root, members] of [...due]) {
    if (members.some((id) => keys.refused.has(id))) keep(root, 'not_final');
    else if (members.some((id) => keys.failed.has(id))) keep(root, 'unavailable');
  }
  const resultKeys = ids().flatMap((id) => {
    const answer = keys.answers.get(id);
    return answer?.kind === 'keys' ? answer.keys : [];
  });
  await deleteFromR2(env, [...resultKeys, ...(await artifactDataKeys(env.DB, ids()))]);

  const purged = await askObjects(
    ids(),
    (id) => flowRunObject(env, id).purge(),
    (answer) => answer !== 'not_final',
  );
  for (const [root, members] of [...due]) {
    if (members.some((id) => purged.refused.has(id))) keep(root, 'not_final');
    else if (members.some((id) => purged.failed.has(id))) keep(root, 'unavailable');
  }
  await deleteRunRecords(env.DB, ids());
  outcome.deleted = ids();
  return outcome;
}

/**
 * `DELETE /api/flow_runs/{id}` (any state, as Prefect): before the object removes the run and its
 * index rows, its R2 results and artifact data go, with its artifact and cache rows. False: no run.
 */
export async function deleteOneRun(env: Env, id: string): Promise<boolean> {
  const run = flowRunObject(env, id);
  const answer = await run.resultKeys({ anyState: true });
  if (answer.kind === 'absent') return run.remove();
  const keys = answer.kind === 'keys' ? answer.keys : [];
  await deleteFromR2(env, [...keys, ...(await artifactDataKeys(env.DB, [id]))]);
  await deleteRunLeftovers(env.DB, [id]);
  return run.remove();
}

/**
 * Deletes the R2 results of finished runs that are kept for longer than their results, and the cache
 * records pointing at them. A run that is not final (by its object) keeps its results. Answers how
 * many runs lost theirs.
 */
export async function deleteRunResults(env: Env, ids: string[]): Promise<number> {
  const keys = await askObjects(
    ids,
    (id) => flowRunObject(env, id).resultKeys(),
    (answer) => answer.kind === 'keys',
  );
  const swept = [...keys.answers.keys()];
  await deleteFromR2(
    env,
    [...keys.answers.values()].flatMap((answer) => (answer.kind === 'keys' ? answer.keys : [])),
  );
  await deleteCacheRecords(env.DB, swept);
  return swept.length;
}
