// Assembles a v1 response (management commands on /v1/rest/mgmt, and /v1/rest/query): {"Tables":[...]}.
// A query's v1 result ends with a TableOfContents table naming the others (QueryResult, QueryProperties,
// QueryStatus); a management command usually returns its tables without one, and all of them are results.

import { KustoResponseFormatError } from './kustoErrors';
import { readOneApiErrorList } from './oneApiErrors';
import type { FrameScannerSink } from './jsonFrameScanner';
import { rowsOf } from './kustoRows';
import type { RawJsonRows } from './rawJsonRows';
import type { KustoErrorInfo, KustoTable, TableKind, Visualization } from './resultTypes';
import { addDistinctErrors, addRowError, asObject, columnIndex, readColumns, visualizationFrom, type ParsedDataSet } from './v2Parser';

const tocKinds: Readonly<Record<string, TableKind>> = {
  QueryResult: 'PrimaryResult',
  PrimaryResult: 'PrimaryResult',
  QueryProperties: 'QueryProperties',
  QueryStatus: 'QueryCompletionInformation',
  QueryCompletionInformation: 'QueryCompletionInformation',
  TableOfContents: 'TableOfContents',
  QueryTraceLog: 'QueryTraceLog',
  QueryPerfLog: 'QueryPerfLog',
  QueryPlan: 'QueryPlan',
};

export class V1DataSetBuilder implements FrameScannerSink {
  private readonly tables: KustoTable[] = [];
  private readonly partialErrors: KustoErrorInfo[] = [];
  private sawTables = false;

  constructor(private readonly where: () => number) {}

  onRowError(value: unknown): void {
    addRowError(value, this.partialErrors);
  }

  onFrame(value: unknown, rawRows: RawJsonRows | undefined): void {
    const table = asObject(value);
    const rows = rawRows ?? rowsOf([]);
    if (!table) {
      throw new KustoResponseFormatError(this.where(), 'an element of Tables is not an object');
    }
    const id = this.tables.length;
    const name = typeof table.TableName === 'string' ? table.TableName : `Table_${id}`;
    this.tables.push({ id, name, kind: 'PrimaryResult', columns: readColumns(table.Columns, this.where, name), rows });
    // A v1 table that failed part-way lists its errors under "Exceptions".
    if (table.Exceptions !== undefined) {
      addDistinctErrors(this.partialErrors, readOneApiErrorList(table.Exceptions));
    }
  }

  onTopLevelObject(value: unknown): void {
    const body = asObject(value);
    if (!body || !Array.isArray(body.Tables)) {
      throw new KustoResponseFormatError(this.where(), 'the response object has no Tables array');
    }
    this.sawTables = true;
  }

  finish(): ParsedDataSet {
    if (!this.sawTables) {
      throw new KustoResponseFormatError(this.where(), 'the response object has no Tables array');
    }
    const tables = applyTableOfContents(this.tables);
    const visualization = readV1Visualization(tables);
    addDistinctErrors(this.partialErrors, queryStatusErrors(tables));
    return { tables, partialErrors: this.partialErrors, ...(visualization ? { visualization } : {}) };
  }
}

function isTableOfContents(table: KustoTable): boolean {
  const names = new Set(table.columns.map((column) => column.name));
  return names.has('Ordinal') && names.has('Kind') && names.has('Name') && names.has('Id');
}

function applyTableOfContents(tables: KustoTable[]): KustoTable[] {
  const toc = tables.length > 1 ? tables[tables.length - 1] : undefined;
  if (!toc || !isTableOfContents(toc)) {
    return tables;
  }
  const ordinal = columnIndex(toc, 'Ordinal');
  const kind = columnIndex(toc, 'Kind');
  const name = columnIndex(toc, 'Name');
  const result = tables.map((table) => ({ ...table }));
  result[result.length - 1] = { ...toc, kind: 'TableOfContents' };
  [...toc.rows].forEach((entry, position) => {
    const index = typeof entry[ordinal] === 'number' ? (entry[ordinal] as number) : position;
    const target = result[index];
    if (!target || index === result.length - 1) {
      return;
    }
    const kindName = typeof entry[kind] === 'string' ? (entry[kind] as string) : '';
    result[index] = {
      ...target,
      kind: tocKinds[kindName] ?? 'Unknown',
      name: typeof entry[name] === 'string' && entry[name] ? (entry[name] as string) : target.name,
    };
  });
  return result;
}

/** v1 QueryStatus rows with Severity ≤ 2 are errors. */
function queryStatusErrors(tables: readonly KustoTable[]): KustoErrorInfo[] {
  const result: KustoErrorInfo[] = [];
  for (const table of tables) {
    if (table.kind !== 'QueryCompletionInformation') {
      continue;
    }
    const severity = columnIndex(table, 'Severity');
    const description = columnIndex(table, 'StatusDescription');
    const code = columnIndex(table, 'StatusCode');
    if (severity < 0) {
      continue;
    }
    for (const row of table.rows) {
      if (typeof row[severity] === 'number' && (row[severity] as number) <= 2) {
        result.push({
          code: row[code] === undefined || row[code] === null ? 'Error' : String(row[code]),
          message: typeof row[description] === 'string' ? (row[description] as string) : 'The query reported an error.',
        });
      }
    }
  }
  return result;
}

/** v1 @ExtendedProperties: one string column whose values are JSON texts such as {"Visualization":"piechart"}. */
function readV1Visualization(tables: readonly KustoTable[]): Visualization | undefined {
  for (const table of tables) {
    if (table.kind !== 'QueryProperties') {
      continue;
    }
    const valueColumn = Math.max(0, columnIndex(table, 'Value'));
    for (const row of table.rows) {
      const visualization = visualizationFrom(row[valueColumn]);
      if (visualization) {
        return visualization;
      }
    }
  }
  return undefined;
}
