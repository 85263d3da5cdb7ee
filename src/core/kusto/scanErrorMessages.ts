// The words for what is wrong with a response body: the rows scanner's error codes, the byte where it stopped,
// and the byte a JSON.parse SyntaxError names.

import { OPEN_BRACKET } from './jsonBytes';
import { ROWS_ERROR, ROWS_MAX_DEPTH } from './rowsScanner';

/** The literals, in the order the rows scanner numbers them. */
const LITERALS = ['true', 'false', 'null'];

/** A byte as a message names it: the character when printable ASCII, else its hex value. */
export function describeByte(byte: number): string {
  return byte >= 0x21 && byte <= 0x7e ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

/** What the rows scanner's error `code` (with its `detail`) means, in words, `byte` being where it stopped. */
export function rowsErrorReason(code: number, detail: number, byte: number): string {
  const found = describeByte(byte);
  switch (code) {
    case ROWS_ERROR.controlCharacter:
      return `a string holds the control character ${found} unescaped`;
    case ROWS_ERROR.afterRow:
      return `expected ',' or the end of the Rows array but found ${found}`;
    case ROWS_ERROR.afterValue:
      return `expected ',' or '${detail === OPEN_BRACKET ? ']' : '}'}' but found ${found}`;
    case ROWS_ERROR.rowNotArray:
      return `a row must be an array but found ${found}`;
    case ROWS_ERROR.valueAfterComma:
      return "expected a value after ',' but found ']'";
    case ROWS_ERROR.value:
      return `expected a value but found ${found}`;
    case ROWS_ERROR.number:
      return `a number ends too early, at ${found}`;
    case ROWS_ERROR.colon:
      return `expected ':' after a key but found ${found}`;
    case ROWS_ERROR.key:
      return `expected a key but found ${found}`;
    case ROWS_ERROR.literal: {
      const literal = LITERALS[detail >> 3];
      return `expected ${describeByte(literal.charCodeAt(detail & 7))} of '${literal}' but found ${found}`;
    }
    case ROWS_ERROR.escape:
      return `a string holds the invalid escape \\${String.fromCharCode(byte)}`;
    case ROWS_ERROR.hexDigit:
      return `a \\u escape needs four hex digits but has ${found}`;
    case ROWS_ERROR.tooDeep:
      return `a row nests arrays and objects more than ${ROWS_MAX_DEPTH - 1} levels deep`;
    default:
      return `the rows scanner stopped with an unknown error ${code}`;
  }
}

/** Byte offset within `text` of the position a JSON.parse SyntaxError names (its end when it names none). */
export function positionInBytes(text: string, error: unknown): number {
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!match) {
    return text.length > 0 ? Buffer.byteLength(text) : 0;
  }
  return Buffer.byteLength(text.slice(0, Number(match[1])));
}
