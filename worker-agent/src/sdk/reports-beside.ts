// What rides in a flow run's report batches beside the task-run items: custom events (docs/events.md),
// artifacts and progress artifacts' new values (docs/artifacts.md), each kept in the order it was made.
import type { ArtifactCreate, ArtifactProgress, EventCreate } from '../protocol/index.ts';

/** Events one batch carries at most (the server's limit). */
const MAX_EVENTS_PER_BATCH = 1000;

/** Artifacts one batch carries at most (the server's limit; docs/artifacts.md). */
const MAX_ARTIFACTS_PER_BATCH = 100;

export interface Beside {
  events: EventCreate[];
  artifacts: ArtifactCreate[];
  progress: ArtifactProgress[];
}

export const nothingBeside = (): Beside => ({ events: [], artifacts: [], progress: [] });

export const countBeside = (beside: Beside) =>
  beside.events.length + beside.artifacts.length + beside.progress.length;

export class ReportsBeside {
  readonly #queued: Beside = nothingBeside();
  /** Requests in flight carrying artifacts or progress: progress waits for them, to land in order. */
  #artifactsInFlight = 0;

  add(kind: 'event', value: EventCreate): void;
  add(kind: 'artifact', value: ArtifactCreate): void;
  add(kind: 'progress', value: ArtifactProgress): void;
  add(kind: 'event' | 'artifact' | 'progress', value: EventCreate | ArtifactCreate | ArtifactProgress): void {
    if (kind === 'event') this.#queued.events.push(value as EventCreate);
    else if (kind === 'artifact') this.#queued.artifacts.push(value as ArtifactCreate);
    else this.#queued.progress.push(value as ArtifactProgress);
  }

  /** What the next batch takes, within the server's limits. */
  take(): Beside {
    const events = this.#queued.events.splice(0, MAX_EVENTS_PER_BATCH);
    const artifacts = this.#queued.artifacts.splice(0, MAX_ARTIFACTS_PER_BATCH);
    // Progress waits while creates stay queued or in flight (one may be the artifact it moves), and
    // while earlier progress is in flight: the server applies it in the order it arrives.
    const progress =
      this.#queued.artifacts.length === 0 && this.#artifactsInFlight === 0
        ? this.#queued.progress.splice(0)
        : [];
    return { events, artifacts, progress };
  }

  /**
   * Whether all that is queued fits in one batch sent with the flow run's final state. Artifacts do
   * not: the server stores them after the run's object answers, and a run seen ended must already
   * show them (docs/artifacts.md).
   */
  fitsBesideFinalState(): boolean {
    const { events, artifacts, progress } = this.#queued;
    return artifacts.length + progress.length === 0 && events.length <= MAX_EVENTS_PER_BATCH;
  }

  /** `beside` is on its way; the returned function is called once its answer (or failure) came. */
  sending(beside: Beside): () => void {
    if (beside.artifacts.length + beside.progress.length === 0) return () => undefined;
    this.#artifactsInFlight++;
    return () => {
      this.#artifactsInFlight--;
    };
  }
}
