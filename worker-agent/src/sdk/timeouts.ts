// Races a run's body against its timeout; the body keeps going in the background, as Prefect's threads do.

/** Process-wide (every copy of the SDK counts here, as with the run context in context.ts). */
const TIMED_OUT = Symbol.for('edgeflow.timed-out-bodies');

/**
 * How many bodies this process gave up on at their timeout: they may still be running, so a warm
 * flow-run process that saw one is not reused (docs/agent.md, "Warm reuse").
 */
export function timedOutBodies(): number {
  return (globalThis as unknown as Record<symbol, number | undefined>)[TIMED_OUT] ?? 0;
}

export async function withTimeout<T>(
  body: T | Promise<T>,
  seconds: number | undefined,
  error: () => Error,
): Promise<T> {
  if (!seconds || seconds <= 0) return await body;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const holder = globalThis as unknown as Record<symbol, number | undefined>;
      holder[TIMED_OUT] = timedOutBodies() + 1;
      reject(error());
    }, seconds * 1000);
  });
  try {
    return await Promise.race([body, expired]);
  } finally {
    clearTimeout(timer);
  }
}
