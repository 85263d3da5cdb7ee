// CSL text behind "Show Schema": the commands that would (re)create an entity, readable and runnable.
import { kustoStringLiteral, quoteKustoName } from './kustoNames';
import type { ColumnSchema, DatabaseSchema, FunctionParameter, FunctionSchema, TableSchema } from './schemaModel';

function columnList(columns: readonly ColumnSchema[]): string {
  return columns.map((column) => `${quoteKustoName(column.name)}: ${column.type}`).join(', ');
}

function withProperties(properties: ReadonlyArray<[string, string | undefined]>): string {
  const present = properties.filter((pair): pair is [string, string] => Boolean(pair[1]));
  return present.length ? ` with (${present.map(([key, value]) => `${key} = ${kustoStringLiteral(value)}`).join(', ')})` : '';
}

function columnDocStrings(table: TableSchema, entity: string): string {
  const documented = table.columns.filter((column) => column.docString);
  if (!documented.length) {
    return '';
  }
  const pairs = documented.map((column) => `${quoteKustoName(column.name)}: ${kustoStringLiteral(column.docString ?? '')}`);
  return `\n.alter-merge ${entity} ${quoteKustoName(table.name)} column-docstrings (${pairs.join(', ')})`;
}

export function tableCsl(table: TableSchema): string {
  const name = quoteKustoName(table.name);
  const properties = withProperties([
    ['folder', table.folder || undefined],
    ['docstring', table.docString],
  ]);
  switch (table.kind) {
    case 'table':
      return `.create-merge table ${name} (${columnList(table.columns)})${properties}${columnDocStrings(table, 'table')}`;
    case 'materializedView': {
      if (table.sourceTable && table.query) {
        return `.create-or-alter materialized-view${properties} ${name} on table ${quoteKustoName(table.sourceTable)}\n{\n${table.query.trim()}\n}`;
      }
      // The schema command does not always include the view's query: show what is known without inventing it.
      return [
        `// Materialized view ${name}${table.sourceTable ? ` over ${quoteKustoName(table.sourceTable)}` : ''}; its query is not part of the schema (see .show materialized-view ${name}).`,
        `// Columns: (${columnList(table.columns)})`,
      ].join('\n');
    }
    case 'externalTable':
      // Storage kind, format and connection strings are not part of the schema (and may hold secrets).
      return [
        `// External table ${name}; storage settings: .show external table ${name}`,
        `// Columns: (${columnList(table.columns)})${properties ? `\n//${properties}` : ''}`,
      ].join('\n');
  }
}

function parameterCsl(parameter: FunctionParameter): string {
  const name = quoteKustoName(parameter.name);
  if (parameter.columns) {
    return `${name}: (${parameter.columns.length ? columnList(parameter.columns) : '*'})`;
  }
  const typed = `${name}: ${parameter.type ?? 'dynamic'}`;
  return parameter.defaultValue !== undefined ? `${typed} = ${parameter.defaultValue}` : typed;
}

export function functionCsl(fn: FunctionSchema): string {
  const properties = withProperties([
    ['folder', fn.folder || undefined],
    ['docstring', fn.docString],
  ]);
  const body = fn.body.trim();
  const wrappedBody = body.startsWith('{') ? body : `{\n${body}\n}`;
  return `.create-or-alter function${properties} ${quoteKustoName(fn.name)}(${fn.parameters.map(parameterCsl).join(', ')})\n${wrappedBody}`;
}

/** Every table, view, external table and function of a database, one command per paragraph. */
export function databaseCsl(database: DatabaseSchema): string {
  const sections: string[] = [`// Schema of database ${quoteKustoName(database.name)}`];
  const addSection = (title: string, commands: string[]): void => {
    if (commands.length) {
      sections.push(`// ${title}\n${commands.join('\n\n')}`);
    }
  };
  addSection('Tables', database.tables.map(tableCsl));
  addSection('Materialized views', database.materializedViews.map(tableCsl));
  addSection('External tables', database.externalTables.map(tableCsl));
  addSection('Functions', database.functions.map(functionCsl));
  return `${sections.join('\n\n')}\n`;
}
