// The explorer's schema model (src/core/schema/schemaModel.ts) as Kusto.Language symbols: the library has no
// schema loader of its own, every client builds its symbols. Names are given raw (the service quotes them as
// `['…']` where KQL needs it); only text the service parses (function parameter lists) is quoted here.
import { quoteKustoName } from '../schema/kustoNames';
import type { ColumnSchema, DatabaseSchema, FunctionParameter, FunctionSchema, TableSchema } from '../schema/schemaModel';
import type { KustoLanguage, KustoSymbol } from './kustoLanguageLibrary';

/** Types Kusto.Language knows by name; anything else (or a typo in a stored schema) becomes `dynamic`. */
function scalarType(language: KustoLanguage, cslType: string | undefined): KustoSymbol {
  const name = (cslType ?? '').trim().toLowerCase();
  return (name && language.Symbols.ScalarTypes.GetSymbol(name)) || language.Symbols.ScalarTypes.Dynamic;
}

function columnSymbols(language: KustoLanguage, columns: readonly ColumnSchema[]): KustoSymbol[] {
  return columns.map(
    (column) => new language.Symbols.ColumnSymbol(column.name, scalarType(language, column.type), column.docString || null, null, null, null),
  );
}

/** A CSL type name safe to put in parameter text: unknown or malformed names become `dynamic`. */
function parameterType(type: string | undefined): string {
  const name = (type ?? '').trim();
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(name) ? name : 'dynamic';
}

/**
 * The parameter list of a stored function as Kusto.Language parses it: `(start:datetime, n:long = 10,
 * T:(a:string, ['b c']:long), U:(*))`. Names needing quotes are quoted.
 */
export function parameterListText(parameters: readonly FunctionParameter[]): string {
  const parts = parameters.map((parameter) => {
    const name = quoteKustoName(parameter.name);
    if (parameter.columns) {
      const columns = parameter.columns.length
        ? parameter.columns.map((column) => `${quoteKustoName(column.name)}:${parameterType(column.type)}`).join(', ')
        : '*';
      return `${name}:(${columns})`;
    }
    const typed = `${name}:${parameterType(parameter.type)}`;
    return parameter.defaultValue !== undefined && parameter.defaultValue.trim() ? `${typed} = ${parameter.defaultValue.trim()}` : typed;
  });
  return `(${parts.join(', ')})`;
}

/** A stored body as the service wants it: in braces (`.show database schema` sends them; some sources do not). */
export function functionBodyText(body: string): string {
  const trimmed = body.trim();
  return trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed : `{\n${trimmed}\n}`;
}

function functionSymbol(language: KustoLanguage, fn: FunctionSchema): KustoSymbol {
  const description = fn.docString || null;
  try {
    return new language.Symbols.FunctionSymbol.$ctor16(fn.name, parameterListText(fn.parameters), functionBodyText(fn.body), description);
  } catch {
    // A parameter list the service cannot read: keep the name known (no false "unknown function" errors).
    return new language.Symbols.FunctionSymbol.$ctor16(fn.name, '()', '{ print x = 1 }', description);
  }
}

function tableSymbol(language: KustoLanguage, table: TableSchema): KustoSymbol {
  const columns = columnSymbols(language, table.columns);
  const description = table.docString || null;
  switch (table.kind) {
    case 'materializedView':
      return new language.Symbols.MaterializedViewSymbol.$ctor2(table.name, columns, table.query ?? null, description);
    case 'externalTable':
      return new language.Symbols.ExternalTableSymbol.$ctor3(table.name, columns, description);
    case 'table':
      return new language.Symbols.TableSymbol.$ctor6(table.name, columns, description);
  }
}

/** One database as a DatabaseSymbol: tables, materialized views, external tables and functions. */
export function databaseSymbol(language: KustoLanguage, schema: DatabaseSchema): KustoSymbol {
  const members: KustoSymbol[] = [];
  for (const table of [...schema.tables, ...schema.materializedViews, ...schema.externalTables]) {
    members.push(tableSymbol(language, table));
  }
  for (const fn of schema.functions) {
    members.push(functionSymbol(language, fn));
  }
  return new language.Symbols.DatabaseSymbol.$ctor2(schema.name, schema.prettyName || null, members);
}

/** A database known only by name (its schema not loaded): lets `database('x')` complete and resolve. */
export function emptyDatabaseSymbol(language: KustoLanguage, name: string): KustoSymbol {
  return new language.Symbols.DatabaseSymbol.$ctor2(name, null, []);
}

/** `https://help.kusto.windows.net` → `help.kusto.windows.net`, the name `cluster('…')` resolves against. */
export function clusterSymbolName(clusterUrl: string): string {
  try {
    return new URL(clusterUrl).host.toLowerCase();
  } catch {
    return clusterUrl.toLowerCase();
  }
}
