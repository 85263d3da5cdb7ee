// A byte-level scanner over a Kusto response body as it streams in. It never builds the whole body as one string:
// it cuts out the frames (v2: elements of the top-level array; v1: elements of "Tables") and parses each one
// without its "Rows". The bytes of a "Rows" array go, as they are, into a RawJsonRows that knows where each
// row ends: rows are parsed when someone reads them (see rawJsonRows.ts). The rows' bytes are checked against
// the JSON grammar while they stream in, by a scanner compiled to WebAssembly (rowsScanner.ts), which also
// finds where each row ends: a cut-off or mangled body is rejected at once, and a row read later cannot fail.
// Errors the server writes in place of a row are parsed at once.

import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './jsonBytes';
import { KustoResponseFormatError, syntaxReason } from './kustoErrors';
import { RawJsonRows } from './rawJsonRows';
import { describeByte, positionInBytes, rowsErrorReason } from './scanErrorMessages';
import {
  acquireRowsScanner,
  releaseRowsScanner,
  ROWS_SCANNER_PIECE_BYTES,
  RowsScanner,
  STOP_ERROR,
  STOP_ROWS_END,
} from './rowsScanner';

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
  /**
   * A frame's "Rows" array opens: `frameHead` is the frame as read so far (what came before "Rows", e.g. its
   * Columns), parsed with an empty "Rows"; `rows` fills as the bytes arrive (readable between pushes), and the
   * same object reaches onFrame when the frame ends. Undefined when the head is not an object on its own.
   */
  onRowsStart?(frameHead: unknown, rows: RawJsonRows): void;
}

export interface FrameScannerOptions {
  /** The largest piece of memory a table's row bytes are kept in (default 4 MiB); tests use tiny ones. */
  readonly slabBytes?: number;
}


const WHITESPACE = new Uint8Array(256);
for (const character of ' \n\r\t') {
  WHITESPACE[character.charCodeAt(0)] = 1;
}

const PHASE_START = 0;
const PHASE_BODY = 1;
const PHASE_DONE = 2;

const MAX_KEY_LENGTH = 16;
/** Closes a frame's head (which ends with `"Rows":[`) into a whole JSON object. */
const CLOSE_HEAD = Buffer.from(']}');


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

  // Rows: the depth of the "Rows" array (its elements start at this depth), where they go, and how many rows
  // all tables have had so far.
  private rowsDepth = -1;
  private rows: RawJsonRows | undefined;
  private frameRows: RawJsonRows | undefined;
  private rowsFound = 0;
  /** The WebAssembly half, held while a Rows array is read: checks the rows' JSON and finds where each row ends. */
  private rowsScanner: RowsScanner | undefined;

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

  /** Rows of the Rows array being read (0 when none is). */
  get rowsInCurrentTable(): number {
    return this.rows?.length ?? 0;
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
            this.rowsScanner = acquireRowsScanner();
            this.sink.onRowsStart?.(this.frameHead(), this.rows);
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

  /** The frame captured up to its "Rows":[ , closed and parsed (the capture itself is kept for the frame's end). */
  private frameHead(): unknown {
    if (this.frameParts.length === 0) {
      return undefined;
    }
    try {
      return JSON.parse(Buffer.concat([...this.frameParts, CLOSE_HEAD]).toString('utf8'));
    } catch {
      // The frame's own parse at its end reports what is wrong with it.
      return undefined;
    }
  }

  private captureFramePrefix(buffer: Buffer, endExclusive: number): void {
    if (this.captureStart >= 0) {
      this.frameParts.push(Buffer.from(buffer.subarray(this.captureStart, endExclusive)));
    }
    this.capturing = false;
    this.captureStart = -1;
  }

  /**
   * Inside a "Rows" array: the WebAssembly scanner checks the bytes against the JSON grammar (the grammar
   * JSON.parse accepts, so reading a row later cannot fail) and finds where each element ends. The bytes go into
   * the rows' log; returns where it stopped (after the array's closing ']', or at the end of the chunk).
   */
  private scanRows(buffer: Buffer, start: number): number {
    const rows = this.rows!;
    const log = rows.log;
    const scanner = this.rowsScanner!;
    const length = buffer.length;
    // Position in the log of buffer[i] is logBase + i: the bytes are appended once the chunk is scanned.
    const logBase = log.length - start;
    let errorElements: number[] | undefined;
    let rowsEnd = -1;
    for (let index = start; index < length && rowsEnd < 0; index += ROWS_SCANNER_PIECE_BYTES) {
      const pieceEnd = Math.min(length, index + ROWS_SCANNER_PIECE_BYTES);
      const stop = scanner.scan(buffer, index, pieceEnd, logBase + index);
      if (stop === STOP_ERROR) {
        this.failInRows(buffer, index + scanner.stoppedAt);
      }
      const elementCount = scanner.elementCount;
      for (let element = 0; element < elementCount; element++) {
        const elementEnd = scanner.elementEnd(element);
        if (elementEnd > 0) {
          rows.addRow(scanner.elementStart(element), elementEnd);
          this.rowsFound++;
        } else {
          // An error the server wrote in place of a row: parsed once its bytes are in the log.
          (errorElements ??= []).push(scanner.elementStart(element), -elementEnd);
        }
      }
      if (stop === STOP_ROWS_END) {
        rowsEnd = index + scanner.stoppedAt;
      }
    }
    if (scanner.mayHoldUnsafeIntegers) {
      rows.markUnsafeIntegers();
    }
    log.append(buffer, start, rowsEnd >= 0 ? rowsEnd : length);
    for (let index = 0; errorElements && index < errorElements.length; index += 2) {
      this.reportErrorElement(rows, errorElements[index], errorElements[index + 1]);
    }
    if (rowsEnd < 0) {
      return length;
    }
    this.endRows(rows);
    // Frame capture resumes at the ']' so the frame reads "Rows":[]
    this.captureStart = rowsEnd;
    return rowsEnd + 1;
  }

  /** Throws the error the WebAssembly scanner stopped on, at buffer[index]. */
  private failInRows(buffer: Buffer, index: number): never {
    const scanner = this.rowsScanner!;
    const { code, detail } = scanner.error;
    releaseRowsScanner(scanner);
    this.rowsScanner = undefined;
    this.fail(this.base + index, rowsErrorReason(code, detail, buffer[index]));
  }

  private endRows(rows: RawJsonRows): void {
    releaseRowsScanner(this.rowsScanner!);
    this.rowsScanner = undefined;
    rows.seal();
    this.frameRows = rows;
    this.rows = undefined;
    this.depth = this.rowsDepth - 1;
    this.rowsDepth = -1;
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
