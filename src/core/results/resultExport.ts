// Export and copy of a results view: CSV (RFC 4180), JSON (array of objects) and TSV for the clipboard.
// Files are written in chunks through a stream with backpressure, so a million rows never sit in memory as text.

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { KustoColumn, KustoValue } from '../kusto/resultTypes';
import type { CellText, RowRange } from '../../shared/resultsProtocol';
import { formatKustoValue } from '../kusto/valueDecoding';
import type { ResultView } from './resultView';
import { SliceClock } from './slicedWork';
import { writeCsvFromBytes } from './csvFromBytes';

/** A cell a spreadsheet would read as a formula (=, +, -, @, tab or CR first), unless it is a plain number. */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Prefixes `'` to a cell that Excel, LibreOffice or Google Sheets would run as a formula (`=HYPERLINK(…)` from
 * query results someone else controls); a plain number such as -5 is left as it is. OWASP's CSV injection advice.
 */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/**
 * Quotes a CSV field when it holds a comma, quote, CR or LF, or starts/ends with a space (RFC 4180). Formula-like
 * cells are neutralised unless `raw`.
 */
export function csvField(text: CellText, raw = false): string {
  if (text === null) {
    return '';
  }
  text = raw ? text : neutralizeFormula(text);
  return needsCsvQuotes(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// One pass over the characters instead of two regular expressions: the export's hottest call, once per cell.
function needsCsvQuotes(text: string): boolean {
  const length = text.length;
  if (length === 0) return false;
  if (isCsvSpace(text.charCodeAt(0)) || isCsvSpace(text.charCodeAt(length - 1))) return true;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x22 || code === 0x2c || code === 0x0d || code === 0x0a) return true;
  }
  return false;
}

/** What `\s` matches, as the earlier regular expression did: ASCII white space, NBSP, BOM and Unicode spaces. */
function isCsvSpace(code: number): boolean {
  return (code >= 0x09 && code <= 0x0d) || code === 0x20 || (code >= 0x80 && /\s/.test(String.fromCharCode(code)));
}

/** A TSV field as Excel reads it from the clipboard: quoted when it holds a tab or newline or starts with a quote. */
export function tsvField(text: CellText, raw = false): string {
  if (text === null) {
    return '';
  }
  text = raw ? text : neutralizeFormula(text);
  if (/[\t\r\n]/.test(text) || text.startsWith('"')) {
    return `"${text.replace(/"/g, '""')}"`;
  }
  return text;
}

export function csvLine(cells: readonly CellText[], raw = false): string {
  return `${cells.map((cell) => csvField(cell, raw)).join(',')}\r\n`;
}

function isJsonContainerText(text: string): boolean {
  const first = text.charCodeAt(0);
  if (first !== 0x7b && first !== 0x5b) {
    return false;
  }
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A cell as a JSON value: longs beyond 2^53 stay exact (their digits are written as a JSON number). */
export function jsonValue(column: KustoColumn, value: KustoValue | undefined): string {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (column.type === 'long' && typeof value === 'string' && /^-?\d+$/.test(value)) {
    return value;
  }
  if (column.type === 'dynamic' && typeof value === 'string' && isJsonContainerText(value)) {
    // A dynamic object or array kept as the server's JSON text: written as it is, every digit kept.
    return value;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    // JSON has no NaN/Infinity: keep the server's spelling as a string.
    return JSON.stringify(String(value));
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Selected rows as TSV with a header line, CRLF-terminated: pastes into Excel as a table. Formula-like cells are
 * neutralised unless `rawFormulas`. Pauses between slices of rows (a large selection never holds the extension
 * host) and stops when `signal` is aborted.
 */
export async function rowsToTsv(
  view: ResultView,
  ranges: readonly RowRange[],
  options: ExportOptions = {},
): Promise<{ readonly text: string; readonly rows: number }> {
  const columns = view.columns;
  const raw = options.rawFormulas === true;
  const clock = new SliceClock(options.signal, undefined, 'The copy');
  const normalized = normalizeRanges(ranges, view.rowCount);
  const total = normalized.reduce((sum, range) => sum + range.end - range.start, 0);
  const lines: string[] = [columns.map((c) => tsvField(c.name, raw)).join('\t')];
  for (const range of normalized) {
    for (const row of view.rowsBetween(range.start, range.end)) {
      lines.push(columns.map((c, i) => tsvField(formatKustoValue(c.type, row[i]), raw)).join('\t'));
      if ((lines.length & 0xff) === 0 && clock.due) {
        options.onProgress?.({ rowsWritten: lines.length - 1, totalRows: total });
        await clock.pause();
      }
    }
  }
  return { text: `${lines.join('\r\n')}\r\n`, rows: total };
}

/** Sorted, merged ranges clipped to [0, rowCount), so overlapping selections copy each row once, in view order. */
export function normalizeRanges(ranges: readonly RowRange[], rowCount: number): RowRange[] {
  const clipped = ranges
    .map((r) => ({ start: Math.max(0, Math.min(r.start, rowCount)), end: Math.max(0, Math.min(r.end, rowCount)) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const r of clipped) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) {
      last.end = Math.max(last.end, r.end);
    } else {
      merged.push({ ...r });
    }
  }
  return merged;
}

export interface ExportProgress {
  readonly rowsWritten: number;
  readonly totalRows: number;
}

export interface ExportOptions {
  readonly signal?: AbortSignal;
  /** Write formula-like cells as they are (kusto.results.exportRawFormulas); default: neutralised with `'`. */
  readonly rawFormulas?: boolean;
  readonly onProgress?: (progress: ExportProgress) => void;
}

const CHUNK_CHARS = 256 * 1024;

/** Ends `out` and waits until everything written is flushed (or it fails). */
export function endWriting(out: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

/** Writes chunks to `out` honouring backpressure, then ends it and waits until everything is flushed. */
async function writeChunked(out: Writable, produce: (emit: (text: string) => Promise<void>) => Promise<void>): Promise<void> {
  let buffer = '';
  const flush = async (): Promise<void> => {
    if (buffer.length === 0) return;
    const chunk = buffer;
    buffer = '';
    if (!out.write(chunk)) {
      await once(out, 'drain');
    }
  };
  const emit = async (text: string): Promise<void> => {
    buffer += text;
    if (buffer.length >= CHUNK_CHARS) await flush();
  };
  try {
    await produce(emit);
    await flush();
    await endWriting(out);
  } catch (error) {
    out.destroy();
    throw error;
  }
}

/** Writes the whole view as CSV (header line, CRLF line ends, null as an empty field). Returns the row count. */
export async function writeCsv(view: ResultView, out: Writable, options: ExportOptions = {}): Promise<number> {
  // Rows kept as the server's bytes: most cells are copied from them as they are (csvFromBytes.ts).
  const rawRows = view.source.table.rows.rawRowBytes;
  return rawRows ? writeCsvFromBytes(view, rawRows, out, options) : writeCsvFromParsedRows(view, out, options);
}

/** The same CSV from parsed rows (tables built in memory; the reference the byte writer is tested against). */
export async function writeCsvFromParsedRows(view: ResultView, out: Writable, options: ExportOptions = {}): Promise<number> {
  const columns = view.columns;
  const total = view.rowCount;
  const clock = new SliceClock(options.signal, undefined, 'The export');
  await writeChunked(out, async (emit) => {
    const raw = options.rawFormulas === true;
    await emit(csvLine(columns.map((c) => c.name), raw));
    let p = 0;
    for (const row of view.rowsBetween(0, total)) {
      let line = '';
      for (let c = 0; c < columns.length; c++) {
        if (c > 0) line += ',';
        line += csvField(formatKustoValue(columns[c].type, row[c]), raw);
      }
      await emit(`${line}\r\n`);
      if ((p & 0xff) === 0xff && clock.due) {
        options.onProgress?.({ rowsWritten: p + 1, totalRows: total });
        await clock.pause();
      }
      p++;
    }
  });
  options.onProgress?.({ rowsWritten: total, totalRows: total });
  return total;
}

/** Writes the whole view as a JSON array of objects keyed by column name, one row per line. Returns the row count. */
export async function writeJson(view: ResultView, out: Writable, options: ExportOptions = {}): Promise<number> {
  const columns = view.columns;
  const keys = columns.map((c) => `${JSON.stringify(c.name)}:`);
  const total = view.rowCount;
  const clock = new SliceClock(options.signal, undefined, 'The export');
  await writeChunked(out, async (emit) => {
    await emit('[');
    let p = 0;
    for (const row of view.rowsBetween(0, total)) {
      let line = p === 0 ? '\n{' : ',\n{';
      for (let c = 0; c < columns.length; c++) {
        if (c > 0) line += ',';
        line += keys[c] + jsonValue(columns[c], row[c]);
      }
      await emit(`${line}}`);
      if ((p & 0xff) === 0xff && clock.due) {
        options.onProgress?.({ rowsWritten: p + 1, totalRows: total });
        await clock.pause();
      }
      p++;
    }
    await emit('\n]\n');
  });
  options.onProgress?.({ rowsWritten: total, totalRows: total });
  return total;
}
