// The WebAssembly half of the response scanner (source: wasm/rowsScanner.ts): it checks the bytes of a "Rows"
// array against the JSON grammar and finds where each element of the array starts and ends. A Rows array holds
// an instance from its '[' to its ']' (the instance keeps the array's state from one chunk of the body to the
// next), then gives it back for the next one: a new instance costs a fresh WebAssembly memory.

import { ROWS_SCANNER_WASM_BASE64 } from './rowsScannerWasm';

/** The most bytes one scan() takes: larger chunks are scanned in pieces of this size. */
export const ROWS_SCANNER_PIECE_BYTES = 64 * 1024;

/** What scan() found: the end of the piece, the end of the Rows array, or bytes that are not valid JSON. */
export const STOP_END_OF_INPUT = 0;
export const STOP_ROWS_END = 1;
export const STOP_ERROR = 2;

/** Why scan() stopped with STOP_ERROR (see wasm/rowsScanner.ts). */
export const ROWS_ERROR = {
  controlCharacter: 1,
  afterRow: 2,
  afterValue: 3,
  rowNotArray: 4,
  valueAfterComma: 5,
  value: 6,
  number: 7,
  colon: 8,
  key: 9,
  literal: 10,
  escape: 11,
  hexDigit: 12,
  tooDeep: 13,
} as const;

export const ROWS_MAX_DEPTH = 1 << 16;

interface RowsScannerExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  reserveInput(capacity: number): number;
  outputAddress(): number;
  beginRows(): void;
  scan(length: number, logBase: number): number;
  elementCount(): number;
  stoppedAt(): number;
  error(): number;
  errorInfo(): number;
  mayHoldUnsafeIntegers(): number;
}

// Node has WebAssembly; the project's TypeScript libraries (ES2022, no DOM) do not declare it.
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

let compiled: object | undefined;
/** Instances no Rows array holds now: a few are kept for the next ones (queries may run side by side). */
const idle: RowsScanner[] = [];
const MAX_IDLE = 4;

/** An instance for a Rows array whose '[' has just been read. */
export function acquireRowsScanner(): RowsScanner {
  const scanner = idle.pop() ?? new RowsScanner();
  scanner.beginRows();
  return scanner;
}

/** Gives an instance back once its Rows array has ended (or failed): its state is reset when it is next acquired. */
export function releaseRowsScanner(scanner: RowsScanner): void {
  if (idle.length < MAX_IDLE && !idle.includes(scanner)) {
    idle.push(scanner);
  }
}

export class RowsScanner {
  private readonly wasm: RowsScannerExports;
  private readonly input: Uint8Array;
  private readonly output: Float64Array;

  constructor() {
    const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };
    compiled ??= new WebAssembly.Module(Buffer.from(ROWS_SCANNER_WASM_BASE64, 'base64'));
    this.wasm = new WebAssembly.Instance(compiled, {}).exports as RowsScannerExports;
    const inputAddress = this.wasm.reserveInput(ROWS_SCANNER_PIECE_BYTES);
    // The memory does not grow after reserveInput, so these views stay valid.
    this.input = new Uint8Array(this.wasm.memory.buffer, inputAddress, ROWS_SCANNER_PIECE_BYTES);
    this.output = new Float64Array(this.wasm.memory.buffer, this.wasm.outputAddress(), (ROWS_SCANNER_PIECE_BYTES / 2 + 2) * 2);
  }

  /** A new Rows array begins: its '[' has been read. */
  beginRows(): void {
    this.wasm.beginRows();
  }

  /**
   * Scans source[start, end), at most ROWS_SCANNER_PIECE_BYTES; `logBase` is the position of source[start] in the
   * table's byte log. Returns a STOP_ code.
   */
  scan(source: Uint8Array, start: number, end: number, logBase: number): number {
    this.input.set(source.subarray(start, end));
    return this.wasm.scan(end - start, logBase);
  }

  /** How many elements of the Rows array ended in the last piece. */
  get elementCount(): number {
    return this.wasm.elementCount();
  }

  /** Where element `index` of the last piece starts in the byte log. */
  elementStart(index: number): number {
    return this.output[index * 2];
  }

  /** Where element `index` of the last piece ends (exclusive) in the byte log: negative for an object (not a row). */
  elementEnd(index: number): number {
    return this.output[index * 2 + 1];
  }

  /** After STOP_ROWS_END, the index in the piece of the array's ']'; after STOP_ERROR, of the offending byte. */
  get stoppedAt(): number {
    return this.wasm.stoppedAt();
  }

  /** After STOP_ERROR: which ROWS_ERROR, and its detail (the open container, or which literal byte was due). */
  get error(): { readonly code: number; readonly detail: number } {
    return { code: this.wasm.error(), detail: this.wasm.errorInfo() };
  }

  /** The current Rows array holds an integer literal of 16 or more digits (possibly beyond 2^53). */
  get mayHoldUnsafeIntegers(): boolean {
    return this.wasm.mayHoldUnsafeIntegers() !== 0;
  }
}
