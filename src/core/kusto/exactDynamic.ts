// Dynamic values kept as the server sent them. JSON.parse turns 9007199254740993 into ...992, a decimal sent as a
// long JSON number into the nearest double, and -0 into 0; it also builds values so deeply nested that turning
// them back into text overflows the stack. For such a value (an object or array in a dynamic column) the cell
// keeps the value's JSON text exactly as it arrived: display, copy and CSV show that text, JSON export writes it
// as it is, and the formatter names a value too deep to render instead of failing the whole page.

import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, DOT, LOWER_E, MINUS, NINE, OPEN_BRACE, OPEN_BRACKET, PLUS, QUOTE, UPPER_E, ZERO } from './jsonBytes';

/** Deeper than this, a dynamic value is not rendered (its text is still kept and exported exactly). */
export const MAX_RENDER_DEPTH = 1000;

function isNumberByte(byte: number): boolean {
  return (byte >= ZERO && byte <= NINE) || byte === MINUS || byte === DOT || byte === LOWER_E || byte === UPPER_E || byte === PLUS;
}

/**
 * Whether the JSON value in bytes [start, end) (valid JSON) would change if parsed and written again: a number
 * that a double does not hold as written (beyond 2^53, more digits than a double keeps, -0, 1.50, 1e3), or
 * nesting deeper than MAX_RENDER_DEPTH.
 */
export function needsExactText(bytes: Uint8Array, start: number, end: number): boolean {
  let depth = 0;
  for (let index = start; index < end; index++) {
    const byte = bytes[index];
    if (byte === QUOTE) {
      for (index++; index < end; index++) {
        const inner = bytes[index];
        if (inner === BACKSLASH) index++;
        else if (inner === QUOTE) break;
      }
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > MAX_RENDER_DEPTH) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    } else if (byte === MINUS || (byte >= ZERO && byte <= NINE)) {
      let tokenEnd = index + 1;
      let plain = true;
      while (tokenEnd < end && isNumberByte(bytes[tokenEnd])) {
        const inner = bytes[tokenEnd];
        if (inner === DOT || inner === LOWER_E || inner === UPPER_E) plain = false;
        tokenEnd++;
      }
      const length = tokenEnd - index;
      // Short plain integers always survive; look closer only at the others.
      if (!plain || length >= 16 || (byte === MINUS && bytes[index + 1] === ZERO)) {
        const literal = Buffer.from(bytes.buffer, bytes.byteOffset + index, length).toString('latin1');
        if (!numberSurvives(literal)) return true;
      }
      index = tokenEnd - 1;
    }
  }
  return false;
}

function numberSurvives(literal: string): boolean {
  const value = Number(literal);
  return !Object.is(value, -0) && String(value) === literal;
}

/** How deeply the JSON text nests (strings skipped); stops counting past `limit`. */
export function jsonNestingDepth(text: string, limit = Number.MAX_SAFE_INTEGER): number {
  let depth = 0;
  let deepest = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      for (index++; index < text.length; index++) {
        const inner = text.charCodeAt(index);
        if (inner === BACKSLASH) index++;
        else if (inner === QUOTE) break;
      }
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === CLOSE_BRACKET || code === CLOSE_BRACE) {
      depth--;
    }
  }
  return deepest;
}

/** What a cell shows instead of a dynamic value nested deeper than MAX_RENDER_DEPTH. */
export const TOO_DEEP_TEXT = `(dynamic value too deep to render: nested more than ${MAX_RENDER_DEPTH} levels; export as JSON to see it)`;

/** Whether a dynamic cell's text (JSON) nests too deeply to render; cheap for short texts. */
export function isTooDeepJsonText(text: string): boolean {
  return text.length > 2 * MAX_RENDER_DEPTH && jsonNestingDepth(text, MAX_RENDER_DEPTH) > MAX_RENDER_DEPTH;
}
