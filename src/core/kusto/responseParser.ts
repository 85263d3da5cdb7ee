// Parses a 200 response body as it streams: the shape of the JSON decides the format (an array is v2 frames,
// an object is v1 {"Tables":[...]} or a OneApi error object saying the request failed after all).

import { KustoBodyError, KustoResponseFormatError } from './kustoErrors';
import { KustoJsonScanner, type FrameScannerSink } from './jsonFrameScanner';
import type { RawJsonRows } from './rawJsonRows';
import type { KustoTable } from './resultTypes';
import { isQueryError, readOneApiError } from './oneApiErrors';
import { V1DataSetBuilder } from './v1Parser';
import { V2DataSetBuilder, asObject, type ParsedDataSet } from './v2Parser';

export interface ResponseParseOptions {
  /** The largest piece of memory rows are kept in (default 4 MiB); tests use tiny ones to cross every boundary. */
  readonly slabBytes?: number;
  /** Called after each chunk that held rows, with the number of rows (of every table) received so far. */
  readonly onRowsReceived?: (rowsReceived: number) => void;
}

/** Feeds chunks to the scanner and routes what it cuts to the v2 or v1 builder, chosen by the body's shape. */
export class KustoResponseParser implements FrameScannerSink {
  private readonly scanner: KustoJsonScanner;
  private builder: V2DataSetBuilder | V1DataSetBuilder | undefined;
  private readonly where = (): number => this.scanner.bytesScanned;

  constructor(options: ResponseParseOptions = {}) {
    this.scanner = new KustoJsonScanner(this, { slabBytes: options.slabBytes }, options.onRowsReceived);
  }

  get bytesReceived(): number {
    return this.scanner.bytesScanned;
  }

  /** Rows received so far of the table whose rows are arriving (0 between tables). */
  get rowsInCurrentTable(): number {
    return this.scanner.rowsInCurrentTable;
  }

  push(chunk: Uint8Array): void {
    this.scanner.push(chunk);
  }

  /** Ends the body: returns the data set, or throws KustoResponseFormatError / KustoBodyError. */
  finish(): ParsedDataSet {
    this.scanner.end();
    return this.currentBuilder().finish();
  }

  onRowError(value: unknown): void {
    this.currentBuilder().onRowError(value);
  }

  onRowsStart(frameHead: unknown, rows: RawJsonRows): void {
    const builder = this.currentBuilder();
    if (builder instanceof V2DataSetBuilder) builder.onRowsStart(frameHead, rows);
  }

  /** The primary table received so far, while its rows stream (v2); see V2DataSetBuilder.primarySoFar. */
  primarySoFar(): KustoTable | undefined {
    return this.builder instanceof V2DataSetBuilder ? this.builder.primarySoFar() : undefined;
  }

  onFrame(frame: unknown, rows: RawJsonRows | undefined): void {
    this.currentBuilder().onFrame(frame, rows);
  }

  onTopLevelObject(value: unknown): void {
    const body = asObject(value);
    if (body && !Array.isArray(body.Tables)) {
      const error = readOneApiError(body);
      if (error) {
        throw new KustoBodyError(error, isQueryError(body, error));
      }
    }
    this.currentBuilder().onTopLevelObject(value);
  }

  private currentBuilder(): V2DataSetBuilder | V1DataSetBuilder {
    if (!this.builder) {
      const shape = this.scanner.shape;
      if (!shape) {
        throw new KustoResponseFormatError(this.where(), 'the body is empty');
      }
      this.builder =
        shape === 'array'
          ? new V2DataSetBuilder(this.where)
          : new V1DataSetBuilder(this.where);
    }
    return this.builder;
  }
}

/** Parses a whole body given as chunks (async, e.g. a response stream). */
export async function parseKustoResponseStream(
  chunks: AsyncIterable<Uint8Array>,
  options: ResponseParseOptions = {},
): Promise<ParsedDataSet> {
  const parser = new KustoResponseParser(options);
  for await (const chunk of chunks) {
    parser.push(chunk);
  }
  return parser.finish();
}

/** Parses a whole body given as chunks already in memory (fixtures, tests). */
export function parseKustoResponseChunks(chunks: Iterable<Uint8Array>, options: ResponseParseOptions = {}): ParsedDataSet {
  const parser = new KustoResponseParser(options);
  for (const chunk of chunks) {
    parser.push(chunk);
  }
  return parser.finish();
}
