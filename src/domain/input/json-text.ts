// What a JSON request body must meet before anything parses it, found in one pass over its text
// without recursion: it nests at most MAX_JSON_DEPTH levels, and its strings are well-formed UTF-16.

/**
 * How deep a request body may nest objects and arrays, the body itself being the first level. Well
 * under SQLite's JSON depth of 1,000 (json_extract refuses deeper documents) and far under the depth
 * at which the runtime's recursive JSON.stringify and structured clone run out of stack.
 */
export const MAX_JSON_DEPTH = 64;

/** Where in the body a problem is: object keys and array indexes from the root. */
export type JsonPath = (string | number)[];

export type JsonTextProblem =
  /** `path` leads to the container that would open level MAX_JSON_DEPTH + 1. */
  | { kind: 'too_deep'; path: JsonPath }
  /**
   * A lone half of a surrogate pair (`"\ud800"`): D1 and URLs hold UTF-8, where it becomes U+FFFD,
   * so a name written with one could never be read back by that name.
   */
  | { kind: 'unpaired_surrogate'; path: JsonPath };

interface Frame {
  array: boolean;
  /** The current element of an array. */
  index: number;
  /** The current key of an object, as the span of its quoted text. */
  keyStart: number;
  keyEnd: number;
  expectKey: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LETTER_U = 0x75;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/** The code unit of the `\uXXXX` escape starting at `at`, or NaN. */
function escapedUnit(text: string, at: number): number {
  if (text.charCodeAt(at) !== BACKSLASH || text.charCodeAt(at + 1) !== LETTER_U) return Number.NaN;
  const hex = text.slice(at + 2, at + 6);
  return /^[0-9a-fA-F]{4}$/.test(hex) ? Number.parseInt(hex, 16) : Number.NaN;
}

/** How many characters of text the low surrogate at `at` takes (escaped or not), 0 when none is there. */
function lowSurrogateLength(text: string, at: number): number {
  if (isLowSurrogate(text.charCodeAt(at))) return 1;
  return isLowSurrogate(escapedUnit(text, at)) ? 6 : 0;
}

/** The index of the quote closing the string opened at `start`, or -1 at an unpaired surrogate. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const unit = text.charCodeAt(i);
    if (unit === QUOTE) return i;
    if (unit === BACKSLASH) {
      const escaped = escapedUnit(text, i);
      if (isHighSurrogate(escaped)) {
        const low = lowSurrogateLength(text, i + 6);
        if (low === 0) return -1;
        i += 6 + low;
      } else if (isLowSurrogate(escaped)) return -1;
      else i += Number.isNaN(escaped) ? 2 : 6;
      continue;
    }
    if (isHighSurrogate(unit)) {
      const low = lowSurrogateLength(text, i + 1);
      if (low === 0) return -1;
      i += 1 + low;
      continue;
    }
    if (isLowSurrogate(unit)) return -1;
    i++;
  }
  // Unterminated: JSON.parse reports the body as malformed.
  return text.length;
}

function keyOf(text: string, frame: Frame): string {
  const quoted = text.slice(frame.keyStart, frame.keyEnd + 1);
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted;
  }
}

function pathOf(text: string, frames: readonly Frame[]): JsonPath {
  return frames.map((frame) => (frame.array ? frame.index : keyOf(text, frame)));
}

/** The first limit `text` breaks, or null. Malformed JSON is left for JSON.parse to report. */
export function jsonTextProblem(text: string, maxDepth = MAX_JSON_DEPTH): JsonTextProblem | null {
  const frames: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const unit = text.charCodeAt(i);
    const top = frames[frames.length - 1];
    if (unit === QUOTE) {
      const end = stringEnd(text, i);
      const isKey = top !== undefined && !top.array && top.expectKey;
      if (end < 0) {
        // A bad key is reported at the object that holds it.
        return { kind: 'unpaired_surrogate', path: pathOf(text, isKey ? frames.slice(0, -1) : frames) };
      }
      if (isKey) {
        top.keyStart = i;
        top.keyEnd = end;
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (unit === OPEN_OBJECT || unit === OPEN_ARRAY) {
      if (frames.length >= maxDepth) return { kind: 'too_deep', path: pathOf(text, frames) };
      frames.push({ array: unit === OPEN_ARRAY, index: 0, keyStart: -1, keyEnd: -1, expectKey: true });
    } else if (unit === CLOSE_OBJECT || unit === CLOSE_ARRAY) {
      frames.pop();
    } else if (unit === COMMA && top) {
      if (top.array) top.index++;
      else top.expectKey = true;
    }
    i++;
  }
  return null;
}
