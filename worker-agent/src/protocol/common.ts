// Small building blocks shared by the resource schemas.
import { z } from 'zod';

export const IsoDateTimeSchema = z.iso.datetime({ offset: true });
export const UuidSchema = z.uuid();

/**
 * No half of a surrogate pair on its own (`"\ud800"`): D1 and URLs hold UTF-8, where one becomes
 * U+FFFD, so a name written with one could never be read back by that name.
 */
export function isWellFormedText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return false;
  }
  return true;
}

/** Well-formed, and no control characters (NUL, newlines, ESC, C1): names are shown and put in URLs. */
export function isPlainName(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) return false;
  }
  return isWellFormedText(text);
}

/** Keys and other identifiers matched exactly: any text that round-trips through UTF-8. */
export const KeyTextSchema = z
  .string()
  .refine(isWellFormedText, { error: 'may not contain half of a surrogate pair' });

/** The name of a flow, deployment, pool, queue, agent, run, tag or key: the identifiers users type. */
export const NameSchema = z
  .string()
  .min(1)
  .max(200)
  .refine(isPlainName, { error: 'may not contain control characters or half of a surrogate pair' });

export const TagsSchema = z.array(NameSchema).max(100);
export const JsonObjectSchema = z.record(z.string(), z.unknown());

/**
 * How much JSON one free-form value a client writes may hold (a run's parameters, a state's data),
 * as Prefect caps parameters: it keeps a run's row well under D1's 2 MB.
 */
export const MAX_JSON_VALUE_CHARS = 512 * 1024;

export function jsonValueWithinLimit(value: unknown, ctx: z.RefinementCtx): void {
  let chars: number;
  try {
    chars = JSON.stringify(value)?.length ?? 0;
  } catch {
    // Values from a request are no deeper than the body limit (docs/api-limits.md); one built in
    // code can be, and JSON.stringify runs out of stack on it.
    ctx.addIssue({ code: 'custom', message: 'cannot be written as JSON (nested too deep, or circular)' });
    return;
  }
  if (chars > MAX_JSON_VALUE_CHARS) {
    ctx.addIssue({
      code: 'custom',
      message: `holds ${chars} characters of JSON; at most ${MAX_JSON_VALUE_CHARS} are allowed`,
    });
  }
}

/** A free-form object a client writes, such as a run's parameters. */
export const JsonObjectInputSchema = JsonObjectSchema.superRefine(jsonValueWithinLimit);
/** A free-form value a client writes, such as a state's data. */
export const JsonValueInputSchema = z.unknown().superRefine(jsonValueWithinLimit);

/** Prefect's list endpoints cap a page at 200 rows. */
export const LimitSchema = z.number().int().min(1).max(200);
export const OffsetSchema = z.number().int().min(0);

/** Prefect's `like_`, a substring to look for; longer than any name, short enough for one D1 value. */
export const LikeTextSchema = z.string().max(10_000);
