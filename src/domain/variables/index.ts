// What a variable becomes after a change: pure, so the route only loads, calls this and saves
// (docs/variables.md).
import type { Variable, VariableUpdate } from 'edgeflow/protocol';

/** The variable with the update's fields applied; fields the update leaves out keep their value. */
export function updatedVariable(existing: Variable, update: VariableUpdate, now: Date): Variable {
  return {
    ...existing,
    name: update.name ?? existing.name,
    value: update.value === undefined ? existing.value : update.value,
    tags: update.tags ?? existing.tags,
    updated: now.toISOString(),
  };
}

/** A new variable from its create body. */
export function newVariable(
  input: { name: string; value: unknown; tags: string[] },
  id: string,
  now: Date,
): Variable {
  const at = now.toISOString();
  return { id, created: at, updated: at, name: input.name, value: input.value, tags: input.tags };
}
