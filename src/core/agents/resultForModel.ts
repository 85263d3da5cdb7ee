// What a language model is told about a Kusto result: a compact Markdown or CSV table with the column types, the
// true row count, and a note when the rows shown were capped (by rows or by bytes). Values are exact: longs,
// decimals and datetimes keep every digit the server sent (as text), dynamic values are compact JSON. Errors are
// the Kusto message with its code and position, never a stack trace or a token. Pure: no vscode, no I/O.

import { redactSecrets } from '../auth/redact';
import { formatKustoValue } from '../kusto/valueDecoding';
import type { KustoColumn, KustoErrorInfo, KustoResponse, KustoTable, KustoValue } from '../kusto/resultTypes';

export type ModelTableFormat = 'markdown' | 'csv';

export interface ModelResultLimits {
  /** Most rows shown per result (over all tables of the response). */
  readonly maxRows: number;
  /** Most UTF-8 bytes of the whole text given to the model. */
  readonly maxBytes: number;
  readonly format: ModelTableFormat;
}

export const DEFAULT_MODEL_RESULT_LIMITS: ModelResultLimits = { maxRows: 100, maxBytes: 16 * 1024, format: 'markdown' };

/** A single value longer than this is cut (with a note), so one huge JSON document cannot eat the whole budget. */
const MAX_CELL_CHARS = 1000;

interface FormattedTable {
  readonly text: string;
  readonly shownRows: number;
  readonly cutCells: number;
}

/** Every primary result table of a response, in order, within the limits. */
export function formatResponseForModel(response: KustoResponse, limits: ModelResultLimits = DEFAULT_MODEL_RESULT_LIMITS): string {
  const tables = response.primaryResults;
  const parts: string[] = [];
  let rowBudget = Math.max(0, Math.floor(limits.maxRows));
  let byteBudget = Math.max(256, Math.floor(limits.maxBytes));
  const notes: string[] = [];
  for (const partial of response.partialErrors) {
    notes.push(`Warning from Kusto: the results may be incomplete: ${describeKustoError(partial)}`);
  }
  if (tables.length === 0) {
    parts.push('The request succeeded and returned no result table.');
  }
  tables.forEach((table, index) => {
    const title = tables.length > 1 ? `Table ${index + 1} of ${tables.length}${table.name && !/^PrimaryResult/i.test(table.name) ? ` (${table.name})` : ''}` : undefined;
    if (byteBudget <= 0) {
      parts.push(`${title ?? 'Table'}: ${countLabel(table.rows.length)} not shown (output size limit reached).`);
      return;
    }
    const formatted = formatTableForModel(table, { ...limits, maxRows: rowBudget, maxBytes: byteBudget }, title);
    parts.push(formatted.text);
    rowBudget = Math.max(0, rowBudget - formatted.shownRows);
    byteBudget -= utf8Length(formatted.text) + 2;
  });
  return [...notes, ...parts].join('\n\n');
}

/** One table: a summary line, the column types, then the rows that fit. */
export function formatTableForModel(table: KustoTable, limits: ModelResultLimits, title?: string): FormattedTable {
  const total = table.rows.length;
  const columns = table.columns;
  const header = limits.format === 'csv' ? csvHeader(columns) : markdownHeader(columns);
  const lines: string[] = [];
  const typesLine = limits.format === 'csv' ? `Columns (name:type): ${columns.map((c) => `${c.name}:${c.type}`).join(', ')}` : '';
  // Room for the summary written last.
  let bytes = utf8Length(header) + utf8Length(typesLine) + 400;
  let shownRows = 0;
  let cutCells = 0;
  let stoppedBy: 'rows' | 'bytes' | undefined;
  const maxRows = Math.max(0, Math.floor(limits.maxRows));
  // Rows are parsed in slices: a result of 100,000 rows costs only the rows shown.
  const slice = table.rows.slice(0, Math.min(total, maxRows));
  for (const row of slice) {
    const cells = columns.map((column, index) => {
      const text = valueForModel(column, row[index]);
      if (text.length > MAX_CELL_CHARS) {
        cutCells++;
        return `${text.slice(0, MAX_CELL_CHARS)}…(${text.length - MAX_CELL_CHARS} more characters)`;
      }
      return text;
    });
    const line = limits.format === 'csv' ? cells.map(csvField).join(',') : `| ${cells.map(markdownCell).join(' | ')} |`;
    const lineBytes = utf8Length(line) + 1;
    if (bytes + lineBytes > limits.maxBytes) {
      stoppedBy = 'bytes';
      break;
    }
    bytes += lineBytes;
    lines.push(line);
    shownRows++;
  }
  if (!stoppedBy && shownRows < total) {
    stoppedBy = 'rows';
  }

  const summary = [`${title ? `${title}: ` : ''}${countLabel(total)}, ${columns.length} column${columns.length === 1 ? '' : 's'}.`];
  if (shownRows < total) {
    const reason = stoppedBy === 'bytes' ? `the ${formatBytes(limits.maxBytes)} output limit` : `the ${limits.maxRows}-row limit`;
    summary.push(
      `Truncated: showing the first ${shownRows.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows (${reason}). ` +
        'Aggregate (summarize, count), filter (where) or project fewer columns to see what matters.',
    );
  }
  if (cutCells > 0) {
    summary.push(`${cutCells} value${cutCells === 1 ? ' was' : 's were'} longer than ${MAX_CELL_CHARS} characters and cut.`);
  }
  const head = summary.join(' ') + (typesLine ? `\n${typesLine}` : '');
  const body = total === 0 ? (limits.format === 'csv' ? header : `${header}\n(no rows)`) : [header, ...lines].join('\n');
  return { text: `${head}\n\n${body}`, shownRows, cutCells };
}

/** A value as exact text: what the server sent for long, decimal, datetime, timespan, guid; JSON for dynamic; '' for null. */
export function valueForModel(column: KustoColumn, value: KustoValue | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (column.type === 'real' && typeof value === 'string') {
    // Kusto sends NaN and infinities as strings.
    return value;
  }
  return formatKustoValue(column.type, value) ?? '';
}

/** An error for the model: Kusto's code, message and position; never a stack trace or token text. */
export function formatErrorForModel(error: unknown): string {
  const candidate = error as Partial<KustoErrorInfo> & { name?: unknown; kind?: unknown; clusterUrl?: unknown } | undefined;
  if (candidate && typeof candidate === 'object' && typeof candidate.message === 'string') {
    return `Error: ${describeKustoError({
      code: typeof candidate.code === 'string' ? candidate.code : '',
      message: candidate.message,
      ...(candidate.position ? { position: candidate.position } : {}),
    })}`;
  }
  return `Error: ${redactSecrets(String(error))}`;
}

/** `SEM0100 at line 1, position 15: 'x' is not …` (line 1-based and position as Kusto reports them). */
export function describeKustoError(info: Pick<KustoErrorInfo, 'code' | 'message' | 'position'>): string {
  const where = info.position ? ` at line ${info.position.line}, position ${info.position.column}` : '';
  const code = info.code ? `${info.code}${where}: ` : where ? `${where.trim()}: ` : '';
  // Only the first line: some messages carry server-side details after a line break.
  const message = redactSecrets(info.message).split(/\r?\n/)[0].trim();
  return `${code}${message}`;
}

function countLabel(rows: number): string {
  return `${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'}`;
}

function markdownHeader(columns: readonly KustoColumn[]): string {
  if (columns.length === 0) {
    return '(no columns)';
  }
  return `| ${columns.map((c) => `${markdownCell(c.name)} (${c.type})`).join(' | ')} |\n|${columns.map(() => '---').join('|')}|`;
}

function csvHeader(columns: readonly KustoColumn[]): string {
  return columns.map((c) => csvField(c.name)).join(',');
}

function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n|\r/g, '\\n');
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`;
}
