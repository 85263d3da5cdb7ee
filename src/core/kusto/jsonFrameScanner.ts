// A byte-level scanner over a Kusto response body as it streams in. It never builds the whole body as one string:
// it cuts out the frames (v2: elements of the top-level array; v1: elements of "Tables") and, inside each frame's
// "Rows" array, runs of whole rows. A run of rows (~1 MB) is parsed at once by the native JSON.parse, so memory
// holds the parsed rows plus about one batch of bytes, and no JS object is made per cell.
//
// Rows take two paths. Fast: bytes of a Rows array are gathered until a batch is full, then cut at the last
// `]` `,` `[` in them and parsed as "[" + rows + "]". That cut can only parse if it really is a row boundary
// (a cut inside a string leaves the string open, a cut inside a row leaves a bracket open, a cut past the
// Rows array leaves text after the closing bracket), so a successful JSON.parse proves it. Exact: when the
// fast cut fails, and for the end of each Rows array, a byte loop tracks strings, escapes and depth.
// Integer literals of 16+ digits outside strings may be longs beyond 2^53: such batches get those literals
// quoted before JSON.parse, so their digits are kept exactly.

import { KustoResponseFormatError } from './kustoErrors';

export interface FrameScannerSink {
  /** One batch of consecutive rows of the frame being read: arrays, or objects (errors reported in the data). */
  onRows(rows: unknown[]): void;
  /** A frame (v2) or a table (v1), parsed, with its "Rows" value replaced by an empty array. */
  onFrame(frame: unknown): void;
  /** When the body is an object: that object without its "Tables" elements (v1), or a OneApi error. */
  onTopLevelObject(value: unknown): void;
}

export interface FrameScannerOptions {
  /** Bytes of rows gathered before they are parsed together (default 1 MiB). */
  readonly batchBytes?: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;
const DOT = 0x2e;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const PLUS = 0x2b;

const PHASE_START = 0;
const PHASE_BODY = 1;
const PHASE_DONE = 2;

const OPEN_BYTES = Buffer.from('[');
const ROWS_END = Buffer.from(']]}');
const CLOSE_BYTES = Buffer.from(']');
const MAX_KEY_LENGTH = 16;
/** 2^53 has 16 digits: shorter integer literals are always exact as JS numbers. */
const MIN_UNSAFE_DIGITS = 16;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function describeByte(byte: number): string {
  return byte >= 0x21 && byte <= 0x7e ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

// Matches a whole JSON string (skipped as is) or an integer literal of 16+ digits that is not part of a
// fraction or an exponent.
const unsafeIntegerPattern = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;

/**
 * Whether a parsed value holds a number beyond ±(2^53 - 1): an integer literal JSON.parse may have rounded
 * (or a huge real, which the precise rewrite then leaves alone).
 */
export function holdsUnsafeInteger(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      for (let index = 0; index < current.length; index++) {
        const item: unknown = current[index];
        if (typeof item === 'number') {
          if (item > Number.MAX_SAFE_INTEGER || item < -Number.MAX_SAFE_INTEGER) {
            return true;
          }
        } else if (item !== null && typeof item === 'object') {
          stack.push(item);
        }
      }
    } else if (current !== null && typeof current === 'object') {
      for (const key in current as Record<string, unknown>) {
        const item = (current as Record<string, unknown>)[key];
        if (typeof item === 'number') {
          if (item > Number.MAX_SAFE_INTEGER || item < -Number.MAX_SAFE_INTEGER) {
            return true;
          }
        } else if (item !== null && typeof item === 'object') {
          stack.push(item);
        }
      }
    }
  }
  return false;
}

/** Puts quotes around integer literals that a JS number cannot hold exactly, so JSON.parse keeps their digits. */
export function quoteUnsafeIntegers(json: string): string {
  return json.replace(unsafeIntegerPattern, (token) => {
    if (token.charCodeAt(0) === QUOTE) {
      return token;
    }
    return Number.isSafeInteger(Number(token)) ? token : `"${token}"`;
  });
}

export class KustoJsonScanner {
  private readonly batchLimit: number;
  private phase = PHASE_START;
  private shapeKind: 'array' | 'object' | undefined;
  /** Bytes received so far. */
  private received = 0;
  /** Body offset of the buffer being scanned. */
  private base = 0;
  private depth = 0;
  private inString = false;
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

  // Rows.
  private rowsDepth = -1;
  private batchOpen = false;
  private batchStart = -1;
  private batchParts: Buffer[] = [];
  private batchBytes = 0;
  private batchOffset = 0;
  private batchHasUnsafeInteger = false;
  // Fast path: bytes of the current Rows array gathered since the last row boundary.
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingOffset = 0;
  private exactRows = false;
  private finalPass = false;
  private digitRun = 0;
  private byteBeforeDigits = 0;
  private lastOutsideByte = 0;

  constructor(private readonly sink: FrameScannerSink, options: FrameScannerOptions = {}) {
    this.batchLimit = Math.max(1, options.batchBytes ?? 1 << 20);
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
    if (this.rowsDepth >= 0 && !this.exactRows) {
      this.deferRows(buffer, offset);
    } else {
      this.scanBuffer(buffer, offset);
    }
    while (this.pendingBytes >= this.batchLimit && this.drainPending()) {
      // keep cutting batches while a full one is gathered
    }
  }

  /** Call after the last chunk: throws when the body stopped before the JSON document was complete. */
  end(): void {
    // The rest of the body holds the end of the rows and the frames after them: rows by the fast path where it
    // can, the rest exactly.
    if (this.pending.length > 0 && this.rowsDepth >= 0 && !this.exactRows) {
      this.drainPending();
    }
    this.finalPass = true;
    while (this.pending.length > 0) {
      const bytes = this.takePending();
      this.exactRows = true;
      this.scanBuffer(bytes, this.pendingOffset);
    }
    if (this.phase === PHASE_DONE) {
      return;
    }
    if (this.phase === PHASE_START) {
      throw new KustoResponseFormatError(this.received, 'the body is empty');
    }
    throw new KustoResponseFormatError(this.received, 'the body ends before the JSON document is complete');
  }

  /** Scans `buffer` (which starts at body offset `offset`) with the exact byte loops. */
  private scanBuffer(buffer: Buffer, offset: number): void {
    const length = buffer.length;
    this.base = offset;
    let index = 0;
    this.captureStart = this.capturing ? 0 : -1;
    this.batchStart = this.batchOpen ? 0 : -1;
    if (this.skipNextByte && length > 0) {
      this.skipNextByte = false;
      index = 1;
    }
    while (index < length) {
      if (this.rowsDepth < 0) {
        index = this.scanStructure(buffer, index);
      } else if (this.exactRows || this.finalPass) {
        index = this.scanRows(buffer, index);
      } else {
        // A Rows array starts: gather its bytes for the fast path.
        this.deferRows(buffer.subarray(index), offset + index);
        index = length;
      }
    }
    if (this.capturing && this.captureStart >= 0 && this.captureStart < length) {
      this.currentCaptureTarget().push(Buffer.from(buffer.subarray(this.captureStart)));
    }
    if (this.batchOpen && this.batchStart < length) {
      const part = buffer.subarray(this.batchStart);
      this.batchParts.push(part);
      this.batchBytes += part.length;
    }
  }

  private deferRows(buffer: Buffer, offset: number): void {
    if (buffer.length === 0) {
      return;
    }
    if (this.pending.length === 0) {
      this.pendingOffset = offset;
    }
    this.pending.push(buffer);
    this.pendingBytes += buffer.length;
  }

  private takePending(): Buffer {
    const bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return bytes;
  }

  /**
   * Fast path over the gathered bytes of a Rows array, which start at a row boundary. Returns true when it
   * consumed them up to a row boundary (the rest stays gathered), false when it handed them to the exact scan.
   */
  private drainPending(): boolean {
    const offset = this.pendingOffset;
    const bytes = this.takePending();
    let start = 0;
    while (start < bytes.length && (bytes[start] === COMMA || isWhitespace(bytes[start]))) {
      start++;
    }
    const first = bytes[start];
    if (first === OPEN_BRACKET || first === OPEN_BRACE) {
      // Frames end with their Rows, so `]]}` is most likely the end of this Rows array: parse up to it and let
      // the exact scan take the closing bracket and the frames after it.
      const rowsEnd = bytes.indexOf(ROWS_END, start);
      if (rowsEnd > start && this.parseFastBatch(bytes, start, rowsEnd + 1, offset)) {
        this.exactRows = true;
        this.scanBuffer(bytes.subarray(rowsEnd + 1), offset + rowsEnd + 1);
        return this.pendingBytes > 0;
      }
      // Not the end after all (e.g. `]]}` inside a dynamic value): cut at a row boundary before it.
      const cut = findLastRowBoundary(bytes, start, rowsEnd >= 0 ? rowsEnd : bytes.length);
      if (cut > start && this.parseFastBatch(bytes, start, cut, offset)) {
        this.deferRows(bytes.subarray(cut + 1), offset + cut + 1);
        return true;
      }
    }
    // Not a row boundary after all (e.g. `],[` inside a dynamic value), the end of the Rows array, or bad JSON:
    // scan exactly until the next batch ends on a row.
    this.exactRows = true;
    this.scanBuffer(start === 0 ? bytes : bytes.subarray(start), offset + start);
    return this.pendingBytes > 0;
  }

  private parseFastBatch(bytes: Buffer, start: number, end: number, offset: number): boolean {
    const text = `[${bytes.toString('utf8', start, end)}]`;
    let rows: unknown[];
    try {
      rows = JSON.parse(text) as unknown[];
    } catch {
      return false;
    }
    // Checking the parsed numbers is far cheaper than searching the text for long digit runs.
    if (holdsUnsafeInteger(rows)) {
      rows = JSON.parse(quoteUnsafeIntegers(text)) as unknown[];
    }
    this.base = offset;
    this.sink.onRows(rows);
    return true;
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
      if (isWhitespace(byte)) {
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
            this.digitRun = 0;
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
            this.sink.onFrame(this.parseCaptured(frameBytes, this.frameStartOffset, 'a frame'));
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

  /** The hot loop: inside a "Rows" array. Returns where it stopped (after the closing ']' or at chunk end). */
  private scanRows(buffer: Buffer, start: number): number {
    const length = buffer.length;
    const rowsDepth = this.rowsDepth;
    let depth = this.depth;
    let inString = this.inString;
    let digitRun = this.digitRun;
    let lastOutsideByte = this.lastOutsideByte;
    let index = start;
    for (; index < length; index++) {
      const byte = buffer[index];
      if (inString) {
        if (byte === QUOTE) {
          inString = false;
        } else if (byte === BACKSLASH) {
          index++;
          if (index >= length) {
            this.skipNextByte = true;
          }
        }
        continue;
      }
      if (byte === QUOTE) {
        if (depth === rowsDepth) {
          this.fail(this.base + index, 'a row must be an array but found a string');
        }
        inString = true;
        continue;
      }
      if (byte <= 0x39 && byte >= 0x30) {
        if (digitRun++ === 0) {
          this.byteBeforeDigits = lastOutsideByte;
          if (depth === rowsDepth) {
            this.fail(this.base + index, 'a row must be an array but found a number');
          }
        }
        continue;
      }
      if (digitRun !== 0) {
        if (digitRun >= MIN_UNSAFE_DIGITS && byte !== DOT && byte !== LOWER_E && byte !== UPPER_E) {
          const before = this.byteBeforeDigits;
          if (before !== DOT && before !== LOWER_E && before !== UPPER_E && before !== PLUS) {
            this.batchHasUnsafeInteger = true;
          }
        }
        digitRun = 0;
      }
      lastOutsideByte = byte;
      if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
        if (depth === rowsDepth && !this.batchOpen) {
          this.batchOpen = true;
          this.batchStart = index;
          this.batchOffset = this.base + index;
        }
        depth++;
      } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
        depth--;
        if (depth === rowsDepth) {
          if (this.batchBytes + (index + 1 - this.batchStart) >= this.batchLimit) {
            this.flushBatch(buffer, index + 1);
            if (!this.finalPass) {
              // At a row boundary again: back to the fast path for the rest.
              this.exactRows = false;
              this.depth = depth;
              this.inString = false;
              this.digitRun = 0;
              this.lastOutsideByte = byte;
              return index + 1;
            }
          }
        } else if (depth < rowsDepth) {
          if (byte !== CLOSE_BRACKET) {
            this.fail(this.base + index, "the Rows array ends with '}'");
          }
          if (this.batchOpen) {
            this.flushBatch(buffer, index);
          }
          this.depth = depth;
          this.inString = false;
          this.digitRun = 0;
          this.rowsDepth = -1;
          this.exactRows = false;
          // Frame capture resumes at the ']' so the frame reads "Rows":[]
          this.capturing = true;
          this.captureStart = index;
          this.valueKey = undefined;
          return index + 1;
        }
      } else if (depth === rowsDepth && byte !== COMMA && !isWhitespace(byte)) {
        this.fail(this.base + index, `a row must be an array but found ${describeByte(byte)}`);
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.digitRun = digitRun;
    this.lastOutsideByte = lastOutsideByte;
    return index;
  }

  private flushBatch(buffer: Buffer, endExclusive: number): void {
    const parts = this.batchParts;
    const tail = buffer.subarray(this.batchStart, endExclusive);
    const bytes =
      parts.length === 0 ? Buffer.concat([OPEN_BYTES, tail, CLOSE_BYTES]) : Buffer.concat([OPEN_BYTES, ...parts, tail, CLOSE_BYTES]);
    const batchOffset = this.batchOffset;
    const hasUnsafeInteger = this.batchHasUnsafeInteger;
    this.batchParts = [];
    this.batchBytes = 0;
    this.batchOpen = false;
    this.batchStart = -1;
    this.batchHasUnsafeInteger = false;
    let text = bytes.toString('utf8');
    if (hasUnsafeInteger) {
      text = quoteUnsafeIntegers(text);
    }
    let rows: unknown[];
    try {
      rows = JSON.parse(text) as unknown[];
    } catch (error) {
      this.fail(batchOffset - 1 + positionInBytes(text, error), `a row is not valid JSON (${syntaxReason(error)})`);
    }
    this.sink.onRows(rows);
  }
}

/** The last comma in `bytes` between `start` and `end` that sits between `]`/`}` and `[`/`{` (whitespace allowed), or -1. */
function findLastRowBoundary(bytes: Buffer, start: number, end: number): number {
  let index = end - 1;
  for (let tries = 0; tries < 100_000; tries++) {
    index = bytes.lastIndexOf(COMMA, index);
    if (index <= start) {
      return -1;
    }
    let before = index - 1;
    while (before > start && isWhitespace(bytes[before])) {
      before--;
    }
    let after = index + 1;
    while (after < bytes.length && isWhitespace(bytes[after])) {
      after++;
    }
    const previous = bytes[before];
    const next = bytes[after];
    if ((previous === CLOSE_BRACKET || previous === CLOSE_BRACE) && (next === OPEN_BRACKET || next === OPEN_BRACE)) {
      return index;
    }
    index--;
  }
  return -1;
}

/** Byte offset within `text` of the position a JSON.parse SyntaxError names (0 when it names none). */
function positionInBytes(text: string, error: unknown): number {
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!match) {
    return text.length > 0 ? Buffer.byteLength(text) : 0;
  }
  return Buffer.byteLength(text.slice(0, Number(match[1])));
}

function syntaxReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // V8 quotes the text around the error; keep the message short and free of row data.
  const cut = message.replace(/, "[\s\S]*" is not valid JSON$/, '').replace(/ in JSON at position \d+.*$/, '');
  return cut.length > 120 ? `${cut.slice(0, 117)}...` : cut;
}
