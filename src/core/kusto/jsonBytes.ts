// Walking JSON that is already known to be valid, in its bytes: the byte codes of its punctuation and literals,
// and how to step over whitespace and over one value. The rows, the CSV writer, the frame scanner and the exact
// dynamic check all read bytes with these.

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const SPACE = 0x20;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const MINUS = 0x2d;
export const PLUS = 0x2b;
export const DOT = 0x2e;
export const ZERO = 0x30;
export const NINE = 0x39;
export const LOWER_E = 0x65;
export const UPPER_E = 0x45;
export const LOWER_F = 0x66;
export const LOWER_N = 0x6e;
export const LOWER_T = 0x74;

/** The position of the first byte at or after `position` that is not JSON whitespace. */
export function skipWhitespace(buffer: Uint8Array, position: number, end: number): number {
  while (position < end && buffer[position] <= 0x20) {
    position++;
  }
  return position;
}

/** The position just past the JSON value that starts at `position` (the bytes are known to be valid JSON). */
export function skipValue(buffer: Uint8Array, position: number, end: number): number {
  const first = buffer[position];
  if (first === QUOTE) {
    // The end found by a native search for the quote (most strings hold no escape); a quote right after a backslash
    // may be escaped, and then the string is walked.
    const close = buffer.indexOf(QUOTE, position + 1);
    return close >= 0 && close < end && buffer[close - 1] !== BACKSLASH ? close + 1 : skipString(buffer, position + 1, end);
  }
  if (first === OPEN_BRACKET || first === OPEN_BRACE) {
    let depth = 0;
    for (let index = position; index < end; index++) {
      const byte = buffer[index];
      if (byte === QUOTE) {
        index = skipString(buffer, index + 1, end) - 1;
      } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
        depth++;
      } else if ((byte === CLOSE_BRACKET || byte === CLOSE_BRACE) && --depth === 0) {
        return index + 1;
      }
    }
    return end;
  }
  // A number or a literal: up to the next separator.
  let index = position;
  while (index < end) {
    const byte = buffer[index];
    if (byte === COMMA || byte === CLOSE_BRACKET || byte === CLOSE_BRACE || byte <= 0x20) {
      break;
    }
    index++;
  }
  return index;
}

/** The position just past the closing quote of a string whose content starts at `position`. */
function skipString(buffer: Uint8Array, position: number, end: number): number {
  for (let index = position; index < end; index++) {
    const byte = buffer[index];
    if (byte === BACKSLASH) {
      index++;
    } else if (byte === QUOTE) {
      return index + 1;
    }
  }
  return end;
}
