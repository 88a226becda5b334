// What the evaluator may assume about D1's enabled automations between passes: that there are none,
// so a nudge needs no D1 query (docs/automations.md, "Costs"). Automation writes tell the evaluator,
// which forgets it; a read that overlapped such a write proves nothing.

/** `writes`: automation writes told of so far; `noneSince`: when D1 was last read with none enabled. */
export interface EnabledKnowledge {
  readonly writes: number;
  readonly noneSince: number | null;
}

export const UNKNOWN_ENABLED: EnabledKnowledge = { writes: 0, noneSince: null };

/**
 * How long "none enabled" is trusted without asking D1 again. It bounds what a lost write notice
 * costs: the new automation starts that much later, and from its creation, so it still sees every
 * event since.
 */
export const NONE_ENABLED_TRUSTED_MS = 60_000;

/** An automation was written (created, replaced, patched, deleted, resumed by an action, …). */
export function automationsWritten(known: EnabledKnowledge): EnabledKnowledge {
  return { writes: known.writes + 1, noneSince: null };
}

/** True while D1 is known to have no enabled automation: a pass has nothing to read or store. */
export function noneEnabledKnown(known: EnabledKnowledge, now: number): boolean {
  const since = known.noneSince;
  return since !== null && now >= since && now - since < NONE_ENABLED_TRUSTED_MS;
}

/**
 * After reading D1's enabled automations (`writesAtRead`: `known.writes` when the read began): none
 * found is trusted only if no automation write was told of meanwhile, since the read may predate it.
 */
export function enabledRead(
  known: EnabledKnowledge,
  { writesAtRead, enabled, now }: { writesAtRead: number; enabled: number; now: number },
): EnabledKnowledge {
  const trusted = enabled === 0 && known.writes === writesAtRead;
  return { writes: known.writes, noneSince: trusted ? now : null };
}
