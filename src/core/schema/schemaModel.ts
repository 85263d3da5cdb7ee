// The immutable schema of Kusto databases as the explorer and the editor see it: no vscode, no I/O.

export interface ColumnSchema {
  readonly name: string;
  /** CSL type name, e.g. `string`, `long`, `datetime` (mapped from the CLR type when the server sent no CslType). */
  readonly type: string;
  readonly docString?: string;
}

export type TableKind = 'table' | 'materializedView' | 'externalTable';

export interface TableSchema {
  readonly kind: TableKind;
  readonly name: string;
  /** Folder path with `/` separators and no empty segments, or '' when the table has no folder. */
  readonly folder: string;
  readonly docString?: string;
  readonly columns: readonly ColumnSchema[];
  /** Materialized views only: the table the view reads from and its query, when the server sent them. */
  readonly sourceTable?: string;
  readonly query?: string;
}

export interface FunctionParameter {
  readonly name: string;
  /** CSL type of a scalar parameter; undefined for a tabular one. */
  readonly type?: string;
  /** Default value as CSL text (e.g. `10`, `datetime(null)`), when the parameter is optional. */
  readonly defaultValue?: string;
  /** Columns of a tabular parameter (`T: (a: string)`); empty for `T: (*)`. */
  readonly columns?: readonly ColumnSchema[];
  readonly docString?: string;
}

export interface FunctionSchema {
  readonly name: string;
  readonly parameters: readonly FunctionParameter[];
  /** Body as stored, usually including its braces: `{ T | take 10 }`. */
  readonly body: string;
  readonly folder: string;
  readonly docString?: string;
  readonly functionKind?: string;
  readonly outputColumns: readonly ColumnSchema[];
}

export interface DatabaseSchema {
  readonly name: string;
  readonly prettyName?: string;
  /** Sorted by name (case-insensitive), like every list below. */
  readonly tables: readonly TableSchema[];
  readonly materializedViews: readonly TableSchema[];
  readonly externalTables: readonly TableSchema[];
  readonly functions: readonly FunctionSchema[];
  readonly majorVersion?: number;
  readonly minorVersion?: number;
}

/** One row of `.show databases`. */
export interface DatabaseInfo {
  readonly name: string;
  readonly prettyName?: string;
  readonly persistentStorage?: string;
  readonly version?: string;
}

export function compareNames(a: string, b: string): number {
  const byLower = a.toLowerCase().localeCompare(b.toLowerCase());
  return byLower !== 0 ? byLower : a.localeCompare(b);
}

/** `name: type` for tree labels and signatures. */
export function formatColumn(column: ColumnSchema): string {
  return `${column.name}: ${column.type}`;
}

/** `(start: datetime, n: long = 10, T: (a: string))` — how a function's signature reads in the tree. */
export function formatParameters(parameters: readonly FunctionParameter[]): string {
  return `(${parameters.map(formatParameter).join(', ')})`;
}

function formatParameter(parameter: FunctionParameter): string {
  if (parameter.columns) {
    const columns = parameter.columns.length ? parameter.columns.map(formatColumn).join(', ') : '*';
    return `${parameter.name}: (${columns})`;
  }
  const typed = parameter.type ? `${parameter.name}: ${parameter.type}` : parameter.name;
  return parameter.defaultValue !== undefined ? `${typed} = ${parameter.defaultValue}` : typed;
}

/** Normalises `A\B`, `A/B/`, `/A//B` to `A/B`; '' for no folder. */
export function normaliseFolder(folder: string | undefined | null): string {
  if (!folder) {
    return '';
  }
  return folder
    .split(/[\\/]/)
    .map((segment) => segment.trim())
    .filter((segment) => segment.length > 0)
    .join('/');
}

