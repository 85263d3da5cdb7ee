// A database's schema as a language model reads it: the tables, materialized views, external tables and functions
// of a database (names, column counts, doc strings, signatures), or one table's columns with their types and doc
// strings. Within a byte budget, saying what was left out. Pure: no vscode, no I/O.

import { formatParameters, type DatabaseSchema, type FunctionSchema, type TableSchema } from '../schema/schemaModel';
import { utf8Length } from './resultForModel';

/** Overview of a database. */
export function formatDatabaseSchemaForModel(schema: DatabaseSchema, where: string, maxBytes: number): string {
  const lines: string[] = [
    `Database ${schema.name} on ${where}: ${plural(schema.tables.length, 'table')}, ${plural(schema.materializedViews.length, 'materialized view')}, ` +
      `${plural(schema.externalTables.length, 'external table')}, ${plural(schema.functions.length, 'function')}.`,
    'Ask for one table (the "table" input) to get its columns with types and descriptions.',
  ];
  const sections: Array<[string, readonly string[]]> = [
    ['Tables', schema.tables.map(tableLine)],
    ['Materialized views', schema.materializedViews.map((view) => `${tableLine(view)}${view.sourceTable ? ` (from ${view.sourceTable})` : ''}`)],
    ['External tables', schema.externalTables.map(tableLine)],
    ['Functions', schema.functions.map(functionLine)],
  ];
  let bytes = lines.reduce((sum, line) => sum + utf8Length(line) + 1, 0);
  let omitted = 0;
  for (const [heading, entries] of sections) {
    if (entries.length === 0) {
      continue;
    }
    const headingLine = `\n${heading}:`;
    if (bytes + utf8Length(headingLine) > maxBytes) {
      omitted += entries.length;
      continue;
    }
    lines.push(headingLine);
    bytes += utf8Length(headingLine) + 1;
    for (const entry of entries) {
      const size = utf8Length(entry) + 1;
      if (bytes + size > maxBytes) {
        omitted++;
        continue;
      }
      lines.push(entry);
      bytes += size;
    }
  }
  if (omitted > 0) {
    lines.push(`\n(${omitted} more entities not listed: output size limit reached.)`);
  }
  return lines.join('\n');
}

/** One table (or view, or external table) with its columns. */
export function formatTableSchemaForModel(table: TableSchema, database: string, maxBytes: number): string {
  const kind = table.kind === 'materializedView' ? 'Materialized view' : table.kind === 'externalTable' ? 'External table' : 'Table';
  const lines = [
    `${kind} ${table.name} in database ${database}${table.folder ? ` (folder ${table.folder})` : ''}: ${plural(table.columns.length, 'column')}.`,
  ];
  if (table.docString) {
    lines.push(`Description: ${oneLine(table.docString)}`);
  }
  if (table.kind === 'materializedView' && table.sourceTable) {
    lines.push(`Source table: ${table.sourceTable}`);
  }
  lines.push('', '| Column | Type | Description |', '|---|---|---|');
  let bytes = lines.reduce((sum, line) => sum + utf8Length(line) + 1, 0);
  let omitted = 0;
  for (const column of table.columns) {
    const line = `| ${cell(column.name)} | ${column.type} | ${cell(oneLine(column.docString ?? ''))} |`;
    if (bytes + utf8Length(line) + 1 > maxBytes) {
      omitted++;
      continue;
    }
    lines.push(line);
    bytes += utf8Length(line) + 1;
  }
  if (omitted > 0) {
    lines.push(`(${omitted} more columns not listed: output size limit reached.)`);
  }
  return lines.join('\n');
}

/** Looks a name up among all tabular entities of a database: exact first, then ignoring case. */
export function findTable(schema: DatabaseSchema, name: string): TableSchema | undefined {
  const all = [...schema.tables, ...schema.materializedViews, ...schema.externalTables];
  const trimmed = name.trim().replace(/^\['(.*)'\]$|^\["(.*)"\]$/, (_m, a: string | undefined, b: string | undefined) => a ?? b ?? '');
  return all.find((table) => table.name === trimmed) ?? all.find((table) => table.name.toLowerCase() === trimmed.toLowerCase());
}

function tableLine(table: TableSchema): string {
  const folder = table.folder ? ` [${table.folder}]` : '';
  const doc = table.docString ? ` — ${oneLine(table.docString)}` : '';
  return `- ${table.name}${folder}: ${plural(table.columns.length, 'column')}${doc}`;
}

function functionLine(fn: FunctionSchema): string {
  const doc = fn.docString ? ` — ${oneLine(fn.docString)}` : '';
  return `- ${fn.name}${formatParameters(fn.parameters)}${doc}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
