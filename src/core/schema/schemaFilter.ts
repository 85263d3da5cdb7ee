// The explorer's name filter as a pure function: case-insensitive substring over table, view, external table,
// function and column names, keeping the ancestors of every match.
import type { DatabaseSchema, FunctionSchema, TableSchema } from './schemaModel';

/** Trimmed, lower-case filter text; '' means "no filter". */
export function normaliseFilterText(text: string | undefined): string {
  return (text ?? '').trim().toLowerCase();
}

function filterTables(tables: readonly TableSchema[], needle: string): TableSchema[] {
  const kept: TableSchema[] = [];
  for (const table of tables) {
    if (table.name.toLowerCase().includes(needle)) {
      // A matching table keeps all its columns: the user found the table, now show what it holds.
      kept.push(table);
      continue;
    }
    const columns = table.columns.filter((column) => column.name.toLowerCase().includes(needle));
    if (columns.length) {
      kept.push({ ...table, columns });
    }
  }
  return kept;
}

function filterFunctions(functions: readonly FunctionSchema[], needle: string): FunctionSchema[] {
  return functions.filter((fn) => fn.name.toLowerCase().includes(needle));
}

/**
 * The part of `database` that matches `filterText`, or undefined when nothing in it matches.
 * Returns the same object when the filter is empty. The input is never modified.
 */
export function filterDatabaseSchema(database: DatabaseSchema, filterText: string | undefined): DatabaseSchema | undefined {
  const needle = normaliseFilterText(filterText);
  if (!needle) {
    return database;
  }
  const tables = filterTables(database.tables, needle);
  const materializedViews = filterTables(database.materializedViews, needle);
  const externalTables = filterTables(database.externalTables, needle);
  const functions = filterFunctions(database.functions, needle);
  if (!tables.length && !materializedViews.length && !externalTables.length && !functions.length) {
    return undefined;
  }
  return { ...database, tables, materializedViews, externalTables, functions };
}
