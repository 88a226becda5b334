// Races a run's body against its timeout; the body keeps going in the background, as Prefect's threads do.

export async function withTimeout<T>(
  body: T | Promise<T>,
  seconds: number | undefined,
  error: () => Error,
): Promise<T> {
  if (!seconds || seconds <= 0) return await body;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), seconds * 1000);
  });
  try {
    return await Promise.race([body, expired]);
  } finally {
    clearTimeout(timer);
  }
}
