// Secrets and internals that must not show: keys and webhook secrets outside the answer that creates
// them, stack traces and file paths in any answer.

const INTERNALS = /\n\s+at \S.*:\d+:\d+|node_modules\/|\/\.wrangler\/|file:\/\/\/|\bat async\b/;

export class LeakWatch {
  private readonly secrets = new Set<string>();

  /** A secret the suite knows (the dev key, created API keys, webhook secrets). */
  remember(secret: string): void {
    if (secret.length >= 8) this.secrets.add(secret);
  }

  /** What leaks in `text`, or null; `shownOnce` is the secret this answer is meant to show. */
  inResponse(text: string, shownOnce?: string): string | null {
    for (const secret of this.secrets) {
      if (secret !== shownOnce && text.includes(secret))
        return `a secret (${secret.slice(0, 6)}…) in the answer`;
    }
    const internal = INTERNALS.exec(text);
    return internal ? `internals in the answer: ${JSON.stringify(internal[0].slice(0, 80))}` : null;
  }

  /** Secrets in a process's output (the server's request log, an agent's lines). */
  inOutput(output: string, except: string[] = []): string[] {
    return [...this.secrets]
      .filter((secret) => !except.includes(secret) && output.includes(secret))
      .map((secret) => `a secret (${secret.slice(0, 6)}…) in the process output`);
  }
}
