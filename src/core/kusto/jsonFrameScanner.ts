// A byte-level scanner over a Kusto response body as it streams in. It never builds the whole body as one string:
// it cuts out the frames (v2: elements of the top-level array; v1: elements of "Tables") and parses each one
// without its "Rows". The bytes of a "Rows" array go, as they are, into a RawJsonRows that knows where each
// row ends: rows are parsed when someone reads them (see rawJsonRows.ts). Finding the row ends is a loop over
// the bytes that tracks strings (skipped with a native search for the closing quote), escapes and depth;
// it checks the shape of the rows (each one an array, its brackets balanced) so a cut-off or mangled body is
// rejected while it streams. Errors the server writes in place of a row are parsed at once.

import { KustoResponseFormatError } from './kustoErrors';
import { RawJsonRows, syntaxReason } from './rawJsonRows';

export interface FrameScannerSink {
  /**
   * A frame (v2) or a table (v1), parsed, with its "Rows" value replaced by an empty array; `rows` holds the
   * rows that value had (undefined when the frame has no "Rows").
   */
  onFrame(frame: unknown, rows: RawJsonRows | undefined): void;
  /** An element of a "Rows" array that is an object, not a row: an error the server reported in the data. */
  onRowError(value: unknown): void;
  /** When the body is an object: that object without its "Tables" elements (v1), or a OneApi error. */
  onTopLevelObject(value: unknown): void;
}

export interface FrameScannerOptions {
  /** The largest piece of memory a table's row bytes are kept in (default 4 MiB); tests use tiny ones. */
  readonly slabBytes?: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const DOT = 0x2e;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const PLUS = 0x2b;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const LOWER_U = 0x75;
const TRUE_BYTES = Buffer.from('true');
const FALSE_BYTES = Buffer.from('false');
const NULL_BYTES = Buffer.from('null');
/** 2^53 has 16 digits: shorter integer literals are always exact as JS numbers. */
const MIN_UNSAFE_DIGITS = 16;

// Token states of the rows' JSON check.
const S_VALUE = 0; // a value must come (after ',' in an array, or ':')
const S_VALUE_OR_CLOSE = 1; // just after '[': a value or ']'
const S_AFTER_VALUE = 2; // ',' or the end of the enclosing array or object
const S_KEY_OR_CLOSE = 3; // just after '{': a key or '}'
const S_KEY = 4; // after ',' in an object
const S_COLON = 5;
const S_STRING = 6;
const S_ESCAPE = 7;
const S_UNICODE = 8;
const S_LITERAL = 9;
const S_NUMBER_MINUS = 10; // '-': a digit must follow
const S_NUMBER_ZERO = 11; // a leading 0: '.', 'e' or the end
const S_NUMBER_INT = 12;
const S_NUMBER_DOT = 13; // '.': a digit must follow
const S_NUMBER_FRACTION = 14;
const S_NUMBER_E = 15; // 'e': a sign or a digit must follow
const S_NUMBER_E_SIGN = 16; // a digit must follow
const S_NUMBER_EXPONENT = 17;

function byteSet(characters: string): Uint8Array {
  const set = new Uint8Array(256);
  for (const character of characters) {
    set[character.charCodeAt(0)] = 1;
  }
  return set;
}

const ESCAPABLE = byteSet('"\\/bfnrt');
const WHITESPACE = byteSet(' \n\r\t');
/** Bytes that string content can hold as they are: everything but '"', '\\' and control characters. */
const PLAIN_STRING_BYTE = new Uint8Array(256).fill(1, 0x20);
PLAIN_STRING_BYTE[QUOTE] = 0;
PLAIN_STRING_BYTE[BACKSLASH] = 0;
const HEX_DIGIT = byteSet('0123456789abcdefABCDEF');

// The two innermost loops are functions of their own: small, so V8 optimizes them after a few calls, long
// before the large loop that calls them is optimized (a first large response would otherwise be scanned by the
// interpreter for its first megabytes).

/** The index of the first byte from `index` on that ends plain string content ('"', '\\', a control character), or `length`. */
function skipPlainStringBytes(buffer: Buffer, index: number, length: number): number {
  while (index < length && PLAIN_STRING_BYTE[buffer[index]] === 1) {
    index++;
  }
  return index;
}

/** The index of the first byte from `index` on that is not a decimal digit, or `length`. */
function skipDigits(buffer: Buffer, index: number, length: number): number {
  while (index < length) {
    const byte = buffer[index];
    if (byte < DIGIT_0 || byte > DIGIT_9) {
      break;
    }
    index++;
  }
  return index;
}

/** The next state of a number for `byte`, or -1 when the byte does not continue the number. */
function numberTransition(state: number, byte: number): number {
  const digit = byte >= DIGIT_0 && byte <= DIGIT_9;
  switch (state) {
    case S_NUMBER_MINUS:
      return byte === DIGIT_0 ? S_NUMBER_ZERO : digit ? S_NUMBER_INT : -1;
    case S_NUMBER_ZERO:
      return byte === DOT ? S_NUMBER_DOT : byte === LOWER_E || byte === UPPER_E ? S_NUMBER_E : -1;
    case S_NUMBER_INT:
      return digit ? S_NUMBER_INT : byte === DOT ? S_NUMBER_DOT : byte === LOWER_E || byte === UPPER_E ? S_NUMBER_E : -1;
    case S_NUMBER_DOT:
      return digit ? S_NUMBER_FRACTION : -1;
    case S_NUMBER_FRACTION:
      return digit ? S_NUMBER_FRACTION : byte === LOWER_E || byte === UPPER_E ? S_NUMBER_E : -1;
    case S_NUMBER_E:
      return digit ? S_NUMBER_EXPONENT : byte === PLUS || byte === MINUS ? S_NUMBER_E_SIGN : -1;
    case S_NUMBER_E_SIGN:
    case S_NUMBER_EXPONENT:
      return digit ? S_NUMBER_EXPONENT : -1;
    default:
      return -1;
  }
}

const PHASE_START = 0;
const PHASE_BODY = 1;
const PHASE_DONE = 2;

const MAX_KEY_LENGTH = 16;

function describeByte(byte: number): string {
  return byte >= 0x21 && byte <= 0x7e ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

export class KustoJsonScanner {
  private readonly slabBytes: number;
  private phase = PHASE_START;
  private shapeKind: 'array' | 'object' | undefined;
  /** Bytes received so far. */
  private received = 0;
  /** Body offset of the buffer being scanned. */
  private base = 0;
  private depth = 0;
  private inString = false;
  /** The previous chunk ended on a backslash inside a string: the first byte of the next one is escaped. */
  private skipNextByte = false;

  // Frames container: the array whose elements are frames (v2 top-level array, v1 "Tables").
  private containerDepth = -1;
  private frameActive = false;

  // Keys of the object at keyDepth (a frame, or the top-level object) are watched for "Rows" and "Tables".
  private keyDepth = -1;
  private expectKey = false;
  private keyText: string | undefined;
  private lastKey: string | undefined;
  private valueKey: string | undefined;

  // Capture of frame text (and of the top-level object's text) outside the rows.
  private capturing = false;
  private captureStart = -1;
  private frameParts: Buffer[] = [];
  private topParts: Buffer[] = [];

  // Rows: the depth of the "Rows" array (its elements start at this depth), where they go, and the element
  // being read (its first byte's position in the rows' byte log, and whether it opened with '[' or '{').
  private rowsDepth = -1;
  private rows: RawJsonRows | undefined;
  private frameRows: RawJsonRows | undefined;
  private elementStart = -1;
  private rowsFound = 0;
  // Validation of the rows' JSON: the open arrays and objects (the Rows array first), the token state, and what
  // a token in progress still needs.
  private readonly containers: number[] = [];
  private rowState = S_VALUE_OR_CLOSE;
  private stringIsKey = false;
  private hexDigitsLeft = 0;
  private integerDigits = 0;
  private literal: Buffer = TRUE_BYTES;
  private literalIndex = 0;

  constructor(
    private readonly sink: FrameScannerSink,
    options: FrameScannerOptions = {},
    private readonly onRowsFound?: (rowsFound: number) => void,
  ) {
    this.slabBytes = Math.max(1, options.slabBytes ?? 4 << 20);
  }

  /** 'array' for a v2 body (frames), 'object' for a v1 body or an error object; undefined before the first byte. */
  get shape(): 'array' | 'object' | undefined {
    return this.shapeKind;
  }

  get bytesScanned(): number {
    return this.received;
  }

  get isComplete(): boolean {
    return this.phase === PHASE_DONE;
  }

  push(chunk: Uint8Array): void {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const offset = this.received;
    this.received += buffer.length;
    const rowsBefore = this.rowsFound;
    this.scanBuffer(buffer, offset);
    if (this.rowsFound !== rowsBefore) {
      this.onRowsFound?.(this.rowsFound);
    }
  }

  /** Call after the last chunk: throws when the body stopped before the JSON document was complete. */
  end(): void {
    if (this.phase === PHASE_DONE) {
      return;
    }
    if (this.phase === PHASE_START) {
      throw new KustoResponseFormatError(this.received, 'the body is empty');
    }
    throw new KustoResponseFormatError(this.received, 'the body ends before the JSON document is complete');
  }

  /** Scans `buffer`, which starts at body offset `offset`. */
  private scanBuffer(buffer: Buffer, offset: number): void {
    const length = buffer.length;
    this.base = offset;
    let index = 0;
    this.captureStart = this.capturing ? 0 : -1;
    if (this.skipNextByte && length > 0 && this.rowsDepth < 0) {
      this.skipNextByte = false;
      index = 1;
    }
    while (index < length) {
      index = this.rowsDepth < 0 ? this.scanStructure(buffer, index) : this.scanRows(buffer, index);
    }
    if (this.capturing && this.captureStart >= 0 && this.captureStart < length) {
      this.currentCaptureTarget().push(Buffer.from(buffer.subarray(this.captureStart)));
    }
  }

  private fail(position: number, reason: string): never {
    throw new KustoResponseFormatError(position, reason);
  }

  private currentCaptureTarget(): Buffer[] {
    return this.frameActive ? this.frameParts : this.topParts;
  }

  private takeCapture(buffer: Buffer, endExclusive: number): Buffer {
    const parts = this.currentCaptureTarget();
    if (this.captureStart >= 0 && endExclusive > this.captureStart) {
      parts.push(buffer.subarray(this.captureStart, endExclusive));
    }
    const whole = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    parts.length = 0;
    return whole;
  }

  private parseCaptured(bytes: Buffer, startOffset: number, what: string): unknown {
    const text = bytes.toString('utf8');
    try {
      return JSON.parse(text);
    } catch (error) {
      this.fail(startOffset + positionInBytes(text, error), `${what} is not valid JSON (${syntaxReason(error)})`);
    }
  }

  private frameStartOffset = 0;
  private topStartOffset = 0;
  private byteOrderMarkLeft = 0;

  /** Structure outside rows: frames, keys, the top-level object. Returns where it stopped. */
  private scanStructure(buffer: Buffer, start: number): number {
    const length = buffer.length;
    for (let index = start; index < length; index++) {
      const byte = buffer[index];
      if (this.inString) {
        if (byte === BACKSLASH) {
          this.keyText = undefined; // an escaped key is never "Rows" or "Tables"
          if (index + 1 < length) {
            index++;
          } else {
            this.skipNextByte = true;
          }
        } else if (byte === QUOTE) {
          this.inString = false;
          if (this.keyText !== undefined) {
            this.lastKey = this.keyText;
            this.keyText = undefined;
          }
        } else if (this.keyText !== undefined) {
          this.keyText = this.keyText.length < MAX_KEY_LENGTH ? this.keyText + String.fromCharCode(byte) : undefined;
        }
        continue;
      }
      if (WHITESPACE[byte] === 1) {
        continue;
      }
      const position = this.base + index;
      if (this.phase !== PHASE_BODY) {
        if (this.phase === PHASE_DONE) {
          this.fail(position, `unexpected ${describeByte(byte)} after the end of the JSON document`);
        }
        // A UTF-8 byte order mark (EF BB BF) may precede the document, possibly split across chunks.
        if (position === 0 && byte === 0xef) {
          this.byteOrderMarkLeft = 2;
          continue;
        }
        if (this.byteOrderMarkLeft > 0 && position === 3 - this.byteOrderMarkLeft && byte === (this.byteOrderMarkLeft === 2 ? 0xbb : 0xbf)) {
          this.byteOrderMarkLeft--;
          continue;
        }
        this.phase = PHASE_BODY;
        this.depth = 1;
        if (byte === OPEN_BRACKET) {
          this.shapeKind = 'array';
          this.containerDepth = 1;
        } else if (byte === OPEN_BRACE) {
          this.shapeKind = 'object';
          this.keyDepth = 1;
          this.expectKey = true;
          this.capturing = true;
          this.captureStart = index;
          this.topStartOffset = position;
        } else {
          this.fail(position, `expected '[' or '{' but found ${describeByte(byte)}`);
        }
        continue;
      }
      if (this.depth === this.containerDepth) {
        if (byte === OPEN_BRACE) {
          this.depth++;
          this.frameActive = true;
          this.capturing = true;
          this.captureStart = index;
          this.frameStartOffset = position;
          this.keyDepth = this.depth;
          this.expectKey = true;
          this.lastKey = undefined;
          this.valueKey = undefined;
        } else if (byte === CLOSE_BRACKET) {
          this.depth--;
          this.containerDepth = -1;
          if (this.depth === 0) {
            this.phase = PHASE_DONE;
          } else {
            // v1: back in the top-level object after "Tables":[...]
            this.keyDepth = this.depth;
            this.expectKey = false;
            this.capturing = true;
            this.captureStart = index;
          }
        } else if (byte !== COMMA) {
          this.fail(position, `expected a frame object but found ${describeByte(byte)}`);
        }
        continue;
      }
      const atKeyDepth = this.depth === this.keyDepth;
      switch (byte) {
        case QUOTE:
          this.inString = true;
          if (atKeyDepth && this.expectKey) {
            this.keyText = '';
            this.expectKey = false;
          }
          this.valueKey = undefined;
          break;
        case COLON:
          if (atKeyDepth) {
            this.valueKey = this.lastKey;
            this.lastKey = undefined;
          }
          break;
        case COMMA:
          if (atKeyDepth) {
            this.expectKey = true;
          }
          this.valueKey = undefined;
          break;
        case OPEN_BRACKET: {
          const key = atKeyDepth ? this.valueKey : undefined;
          this.valueKey = undefined;
          this.depth++;
          if (key === 'Rows' && this.frameActive) {
            this.captureFramePrefix(buffer, index + 1);
            this.rowsDepth = this.depth;
            this.rows = new RawJsonRows(position + 1, this.slabBytes);
            this.containers.length = 0;
            this.containers.push(OPEN_BRACKET);
            this.rowState = S_VALUE_OR_CLOSE;
            return index + 1;
          }
          if (key === 'Tables' && !this.frameActive && this.shapeKind === 'object' && this.depth === 2) {
            this.topParts.push(Buffer.from(buffer.subarray(this.captureStart, index + 1)));
            this.capturing = false;
            this.captureStart = -1;
            this.containerDepth = this.depth;
          }
          break;
        }
        case OPEN_BRACE:
          this.valueKey = undefined;
          this.depth++;
          break;
        case CLOSE_BRACKET:
        case CLOSE_BRACE:
          this.valueKey = undefined;
          this.depth--;
          if (this.frameActive && this.depth === this.containerDepth) {
            const frameBytes = this.takeCapture(buffer, index + 1);
            this.frameActive = false;
            this.capturing = false;
            this.captureStart = -1;
            this.keyDepth = this.shapeKind === 'object' ? 1 : -1;
            const rows = this.frameRows;
            this.frameRows = undefined;
            this.sink.onFrame(this.parseCaptured(frameBytes, this.frameStartOffset, 'a frame'), rows);
          } else if (this.depth === 0) {
            const topBytes = this.takeCapture(buffer, index + 1);
            this.capturing = false;
            this.captureStart = -1;
            this.phase = PHASE_DONE;
            this.sink.onTopLevelObject(this.parseCaptured(topBytes, this.topStartOffset, 'the response object'));
          } else if (this.depth < 0) {
            this.fail(position, `unbalanced ${describeByte(byte)}`);
          }
          break;
        default:
          this.valueKey = undefined;
      }
    }
    return length;
  }

  private captureFramePrefix(buffer: Buffer, endExclusive: number): void {
    if (this.captureStart >= 0) {
      this.frameParts.push(Buffer.from(buffer.subarray(this.captureStart, endExclusive)));
    }
    this.capturing = false;
    this.captureStart = -1;
  }

  /**
   * The hot loop: inside a "Rows" array. Checks that the bytes are valid JSON (the same grammar JSON.parse
   * accepts, so reading a row later cannot fail), notes where each row ends, copies the bytes it passed into
   * the rows' log and returns where it stopped (after the array's closing ']', or at the end of the chunk).
   */
  private scanRows(buffer: Buffer, start: number): number {
    const rows = this.rows!;
    const log = rows.log;
    const length = buffer.length;
    const containers = this.containers;
    // Position in the log of buffer[i] is logBase + i: bytes are appended from `appendFrom` when the loop stops.
    const logBase = log.length - start;
    let appendFrom = start;
    let state = this.rowState;
    // Hot state in locals (written back when the loop stops): fewer property loads in the loop.
    let stringIsKey = this.stringIsKey;
    let integerDigits = this.integerDigits;
    let elementStart = this.elementStart;
    let rowsFound = this.rowsFound;
    const base = this.base;
    let rowsEnd = -1;
    let index = start;
    // The states come in order of how often they are met: string content, what follows a value, a value.
    while (index < length) {
      let byte = buffer[index];
      if (state === S_STRING) {
        index = skipPlainStringBytes(buffer, index, length);
        if (index === length) {
          break;
        }
        byte = buffer[index];
        if (byte === QUOTE) {
          state = stringIsKey ? S_COLON : S_AFTER_VALUE;
        } else if (byte === BACKSLASH) {
          state = S_ESCAPE;
        } else {
          this.fail(base + index, `a string holds the control character ${describeByte(byte)} unescaped`);
        }
        index++;
        continue;
      }
      if (state === S_AFTER_VALUE) {
        if (byte === COMMA) {
          state = containers[containers.length - 1] === OPEN_BRACE ? S_KEY : S_VALUE;
          index++;
          continue;
        }
        if (WHITESPACE[byte] === 1) {
          index++;
          continue;
        }
        const container = containers[containers.length - 1];
        if ((byte === CLOSE_BRACKET && container === OPEN_BRACKET) || (byte === CLOSE_BRACE && container === OPEN_BRACE)) {
          containers.pop();
          index++;
          if (containers.length === 1) {
            // An element of the Rows array ends: a row, or an error the server wrote in place of one.
            if (container === OPEN_BRACKET) {
              rows.addRow(elementStart, logBase + index);
              rowsFound++;
            } else {
              log.append(buffer, appendFrom, index);
              appendFrom = index;
              this.reportErrorElement(rows, elementStart, logBase + index);
            }
          } else if (containers.length === 0) {
            // The Rows array ends.
            rowsEnd = index - 1;
            break;
          }
          continue;
        }
        this.fail(
          base + index,
          containers.length === 1
            ? `expected ',' or the end of the Rows array but found ${describeByte(byte)}`
            : `expected ',' or '${container === OPEN_BRACKET ? ']' : '}'}' but found ${describeByte(byte)}`,
        );
      }
      if (state === S_VALUE || state === S_VALUE_OR_CLOSE) {
        if (WHITESPACE[byte] === 1) {
          index++;
          continue;
        }
        const atRowLevel = containers.length === 1;
        if (atRowLevel && byte !== OPEN_BRACKET && byte !== OPEN_BRACE && byte !== CLOSE_BRACKET) {
          this.fail(base + index, `a row must be an array but found ${describeByte(byte)}`);
        }
        if (byte === QUOTE) {
          stringIsKey = false;
          state = S_STRING;
        } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
          if (atRowLevel) {
            elementStart = logBase + index;
          }
          containers.push(byte);
          state = byte === OPEN_BRACKET ? S_VALUE_OR_CLOSE : S_KEY_OR_CLOSE;
        } else if (byte > DIGIT_0 && byte <= DIGIT_9) {
          state = S_NUMBER_INT;
          integerDigits = 1;
        } else if (byte === MINUS) {
          state = S_NUMBER_MINUS;
          integerDigits = 0;
        } else if (byte === DIGIT_0) {
          state = S_NUMBER_ZERO;
        } else if (byte === LOWER_T || byte === LOWER_F || byte === LOWER_N) {
          this.literal = byte === LOWER_T ? TRUE_BYTES : byte === LOWER_F ? FALSE_BYTES : NULL_BYTES;
          this.literalIndex = 1;
          state = S_LITERAL;
        } else if (byte === CLOSE_BRACKET) {
          if (state !== S_VALUE_OR_CLOSE) {
            this.fail(base + index, "expected a value after ',' but found ']'");
          }
          // An empty array: the ']' is read again as what follows a value.
          state = S_AFTER_VALUE;
          continue;
        } else {
          this.fail(base + index, `expected a value but found ${describeByte(byte)}`);
        }
        index++;
        continue;
      }
      if (state >= S_NUMBER_MINUS) {
        if (state === S_NUMBER_INT || state === S_NUMBER_FRACTION || state === S_NUMBER_EXPONENT) {
          const digitsFrom = index;
          index = skipDigits(buffer, index, length);
          if (state === S_NUMBER_INT) {
            integerDigits += index - digitsFrom;
          }
          if (index === length) {
            break;
          }
          byte = buffer[index];
        }
        const next = numberTransition(state, byte);
        if (next >= 0) {
          if (next === S_NUMBER_INT) {
            integerDigits++;
          }
          state = next;
          index++;
          continue;
        }
        if (state !== S_NUMBER_ZERO && state !== S_NUMBER_INT && state !== S_NUMBER_FRACTION && state !== S_NUMBER_EXPONENT) {
          this.fail(base + index, `a number ends too early, at ${describeByte(byte)}`);
        }
        if (state === S_NUMBER_INT && integerDigits >= MIN_UNSAFE_DIGITS) {
          rows.markUnsafeIntegers();
        }
        // The byte after a number is read again as what follows a value.
        state = S_AFTER_VALUE;
        continue;
      }
      if (state === S_KEY_OR_CLOSE && byte === CLOSE_BRACE) {
        // An empty object: the '}' is read again as what follows a value.
        state = S_AFTER_VALUE;
        continue;
      }
      if (state === S_COLON) {
        if (byte === COLON) {
          state = S_VALUE;
        } else if (WHITESPACE[byte] !== 1) {
          this.fail(base + index, `expected ':' after a key but found ${describeByte(byte)}`);
        }
        index++;
        continue;
      }
      if (state === S_KEY_OR_CLOSE || state === S_KEY) {
        if (byte === QUOTE) {
          stringIsKey = true;
          state = S_STRING;
        } else if (WHITESPACE[byte] !== 1) {
          this.fail(base + index, `expected a key but found ${describeByte(byte)}`);
        }
        index++;
        continue;
      }
      if (state === S_LITERAL) {
        const literal = this.literal;
        if (byte !== literal[this.literalIndex]) {
          this.fail(base + index, `expected ${describeByte(literal[this.literalIndex])} of '${literal.toString()}' but found ${describeByte(byte)}`);
        }
        if (++this.literalIndex === literal.length) {
          state = S_AFTER_VALUE;
        }
        index++;
        continue;
      }
      state = this.readEscape(state, byte, index);
      index++;
    }
    // One way out for both the end of the chunk and the end of the Rows array: code after a loop that has not
    // run yet when V8 optimizes the loop would be left without type feedback and deoptimize on every call.
    this.rowState = state;
    this.stringIsKey = stringIsKey;
    this.integerDigits = integerDigits;
    this.elementStart = elementStart;
    this.rowsFound = rowsFound;
    log.append(buffer, appendFrom, rowsEnd >= 0 ? rowsEnd : length);
    if (rowsEnd < 0) {
      return length;
    }
    this.endRows(rows);
    // Frame capture resumes at the ']' so the frame reads "Rows":[]
    this.captureStart = rowsEnd;
    return rowsEnd + 1;
  }

  /** A byte of an escape sequence in a string, in `state` (S_ESCAPE or S_UNICODE): returns the next state. */
  private readEscape(state: number, byte: number, index: number): number {
    if (state === S_ESCAPE) {
      if (byte === LOWER_U) {
        this.hexDigitsLeft = 4;
        return S_UNICODE;
      }
      if (ESCAPABLE[byte] !== 1) {
        this.fail(this.base + index, `a string holds the invalid escape \\${String.fromCharCode(byte)}`);
      }
      return S_STRING;
    }
    if (state === S_UNICODE) {
      if (HEX_DIGIT[byte] !== 1) {
        this.fail(this.base + index, `a \\u escape needs four hex digits but has ${describeByte(byte)}`);
      }
      return --this.hexDigitsLeft === 0 ? S_STRING : S_UNICODE;
    }
    this.fail(this.base + index, `the rows scanner reached an unknown state ${state}`);
  }

  private endRows(rows: RawJsonRows): void {
    rows.seal();
    this.frameRows = rows;
    this.rows = undefined;
    this.depth = this.rowsDepth - 1;
    this.rowsDepth = -1;
    this.rowState = S_VALUE_OR_CLOSE;
    this.capturing = true;
    this.valueKey = undefined;
  }

  /** An object in place of a row, now in the log at [start, end): an error in the data, parsed and reported. */
  private reportErrorElement(rows: RawJsonRows, start: number, end: number): void {
    rows.addNonRowElement();
    const text = rows.log.text(start, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.fail(rows.where + start + positionInBytes(text, error), `an error object in the rows is not valid JSON (${syntaxReason(error)})`);
    }
    this.sink.onRowError(value);
  }
}

/** Byte offset within `text` of the position a JSON.parse SyntaxError names (its end when it names none). */
function positionInBytes(text: string, error: unknown): number {
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!match) {
    return text.length > 0 ? Buffer.byteLength(text) : 0;
  }
  return Buffer.byteLength(text.slice(0, Number(match[1])));
}
