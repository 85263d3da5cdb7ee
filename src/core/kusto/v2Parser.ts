// Assembles a v2 response (POST /v2/rest/query) from the frames the scanner cuts: DataSetHeader, DataTable or
// TableHeader/TableFragment/TableProgress/TableCompletion, and DataSetCompletion. Errors the server reports
// after the 200 status (in DataSetCompletion, TableCompletion, or in place of a row) become partial errors.

import { KustoResponseFormatError } from './kustoErrors';
import { readOneApiErrorList } from './oneApiErrors';
import type { FrameScannerSink } from './jsonFrameScanner';
import { ConcatenatedRows, rowsOf, type KustoRows } from './kustoRows';
import type { RawJsonRows } from './rawJsonRows';
import type { KustoColumn, KustoErrorInfo, KustoTable, QueryStatistics, TableKind, Visualization } from './resultTypes';
import { normalizeColumnType, parseTimespanMs } from './valueDecoding';

export interface ParsedDataSet {
  /** Every table in order of first appearance. */
  readonly tables: KustoTable[];
  readonly partialErrors: KustoErrorInfo[];
  readonly statistics?: QueryStatistics;
  readonly visualization?: Visualization;
}

type JsonObject = Record<string, unknown>;

interface TableUnderConstruction {
  id: number;
  name: string;
  kind: TableKind;
  columns: KustoColumn[];
  rows: KustoRows;
  /** The parts of a table sent as TableFragments, in order. */
  fragments?: KustoRows[];
}

interface StreamingTableHead {
  readonly id: number;
  readonly name: string;
  readonly kind: TableKind;
  readonly columns: KustoColumn[];
}

const tableKinds: ReadonlySet<string> = new Set<TableKind>([
  'PrimaryResult',
  'QueryProperties',
  'QueryCompletionInformation',
  'QueryTraceLog',
  'QueryPerfLog',
  'TableOfContents',
  'QueryPlan',
  'Unknown',
]);

export function toTableKind(value: unknown): TableKind {
  return typeof value === 'string' && tableKinds.has(value) ? (value as TableKind) : 'Unknown';
}

export function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function readColumns(value: unknown, where: () => number, tableName: string): KustoColumn[] {
  if (!Array.isArray(value)) {
    throw new KustoResponseFormatError(where(), `table "${tableName}" has no Columns array`);
  }
  return value.map((entry, index) => {
    const column = asObject(entry) ?? {};
    const name = typeof column.ColumnName === 'string' ? column.ColumnName : `Column${index + 1}`;
    return { name, type: normalizeColumnType(column.ColumnType, column.DataType) };
  });
}

/**
 * An object in place of a row is an error the server wrote into the data (ErrorReportingPlacement "InData", or a
 * v1 partial failure): it goes to `partialErrors` so the rows received so far are kept and the user is told
 * they may be incomplete.
 */
export function addRowError(value: unknown, partialErrors: KustoErrorInfo[]): void {
  const errors = readOneApiErrorList(asObject(value)?.OneApiErrors ?? value);
  addDistinctErrors(partialErrors, errors.length ? errors : [{ code: 'Unknown', message: 'The server reported an error inside the results.' }]);
}

/** Adds errors, skipping ones already reported (the same error often appears in several frames). */
export function addDistinctErrors(target: KustoErrorInfo[], errors: readonly KustoErrorInfo[]): void {
  for (const error of errors) {
    if (!target.some((known) => known.code === error.code && known.message === error.message)) {
      target.push(error);
    }
  }
}

export class V2DataSetBuilder implements FrameScannerSink {
  private readonly tables: TableUnderConstruction[] = [];
  private readonly tablesById = new Map<number, TableUnderConstruction>();
  private readonly partialErrors: KustoErrorInfo[] = [];
  private sawHeader = false;
  private completion: JsonObject | undefined;
  /**
   * The primary table while its rows stream: the first PrimaryResult (a DataTable, or a TableHeader whose
   * TableFragments follow), with the parts of its rows so far; the last part may still be filling.
   */
  private streaming: { readonly table: StreamingTableHead; parts: KustoRows[] } | undefined;

  constructor(private readonly where: () => number) {}

  onRowError(value: unknown): void {
    addRowError(value, this.partialErrors);
  }

  onRowsStart(head: unknown, rawRows: RawJsonRows): void {
    const frame = asObject(head);
    if (!frame) return;
    if (frame.FrameType === 'DataTable' && !this.streaming && !this.tables.some((table) => table.kind === 'PrimaryResult')) {
      if (toTableKind(frame.TableKind) !== 'PrimaryResult') return;
      const id = typeof frame.TableId === 'number' ? frame.TableId : this.tables.length;
      const name = typeof frame.TableName === 'string' ? frame.TableName : `Table_${id}`;
      let columns: KustoColumn[];
      try {
        columns = readColumns(frame.Columns, this.where, name);
      } catch {
        return; // the frame's end reports it
      }
      rawRows.setDynamicColumns(dynamicColumnIndexes(columns));
      this.streaming = { table: { id, name, kind: 'PrimaryResult', columns }, parts: [rawRows] };
      return;
    }
    if (frame.FrameType === 'TableFragment' && this.streaming && frame.TableId === this.streaming.table.id) {
      rawRows.setDynamicColumns(dynamicColumnIndexes(this.streaming.table.columns));
      const table = this.tablesById.get(this.streaming.table.id);
      const before = frame.TableFragmentType === 'DataReplace' || !table ? [] : table.fragments ?? (table.rows.length > 0 ? [table.rows] : []);
      this.streaming.parts = [...before, rawRows];
    }
  }

  /**
   * The primary table as received so far (head and the rows whose bytes have arrived), for showing it before the
   * response is complete; undefined until its rows begin. Its row count is fixed: ask again for more.
   */
  primarySoFar(): KustoTable | undefined {
    const streaming = this.streaming;
    if (!streaming) return undefined;
    const { id, name, kind, columns } = streaming.table;
    return { id, name, kind, columns, rows: new ConcatenatedRows(streaming.parts) };
  }

  onFrame(value: unknown, rawRows: RawJsonRows | undefined): void {
    const frame = asObject(value);
    const rows: KustoRows = rawRows ?? rowsOf([]);
    if (!frame || typeof frame.FrameType !== 'string') {
      throw new KustoResponseFormatError(this.where(), 'a frame has no FrameType');
    }
    switch (frame.FrameType) {
      case 'DataSetHeader':
        this.sawHeader = true;
        break;
      case 'DataTable':
      case 'TableHeader': {
        const id = typeof frame.TableId === 'number' ? frame.TableId : this.tables.length;
        const name = typeof frame.TableName === 'string' ? frame.TableName : `Table_${id}`;
        const table: TableUnderConstruction = {
          id,
          name,
          kind: toTableKind(frame.TableKind),
          columns: readColumns(frame.Columns, this.where, name),
          rows,
        };
        rawRows?.setDynamicColumns(dynamicColumnIndexes(table.columns));
        if (frame.FrameType === 'TableHeader' && table.kind === 'PrimaryResult' && !this.streaming && !this.tables.some((t) => t.kind === 'PrimaryResult')) {
          this.streaming = { table, parts: [] };
        }
        this.tables.push(table);
        this.tablesById.set(id, table);
        break;
      }
      case 'TableFragment': {
        const table = this.tablesById.get(typeof frame.TableId === 'number' ? frame.TableId : -1);
        if (!table) {
          throw new KustoResponseFormatError(this.where(), `a TableFragment refers to table ${String(frame.TableId)} before its TableHeader`);
        }
        rawRows?.setDynamicColumns(dynamicColumnIndexes(table.columns));
        if (frame.TableFragmentType === 'DataReplace' || table.rows.length === 0) {
          table.rows = rows;
        } else if (rows.length > 0) {
          table.fragments = [...(table.fragments ?? [table.rows]), rows];
          table.rows = new ConcatenatedRows(table.fragments);
        }
        break;
      }
      case 'TableCompletion':
        addDistinctErrors(this.partialErrors, readOneApiErrorList(frame.OneApiErrors ?? []));
        break;
      case 'DataSetCompletion':
        this.completion = frame;
        addDistinctErrors(this.partialErrors, readOneApiErrorList(frame.OneApiErrors ?? []));
        break;
      default:
        // TableProgress and frame types added later carry nothing the results need.
        break;
    }
  }

  onTopLevelObject(): void {
    // The dispatcher in responseParser.ts routes object bodies elsewhere; a v2 body is an array.
  }

  finish(): ParsedDataSet {
    const completion = this.completion;
    if (!this.sawHeader && this.tables.length === 0 && !completion) {
      throw new KustoResponseFormatError(this.where(), 'the array holds no Kusto frames');
    }
    if (!completion) {
      addDistinctErrors(this.partialErrors, [
        { code: 'IncompleteResponse', message: 'The response ended without a DataSetCompletion frame; results may be incomplete.' },
      ]);
    } else {
      if (completion.HasErrors === true && this.partialErrors.length === 0) {
        const fromStatus = completionInformationErrors(this.tables);
        addDistinctErrors(
          this.partialErrors,
          fromStatus.length ? fromStatus : [{ code: 'PartialQueryFailure', message: 'The query reported errors; results may be incomplete.' }],
        );
      }
      if (completion.Cancelled === true) {
        addDistinctErrors(this.partialErrors, [
          { code: 'Cancelled', message: 'The server cancelled the query before it completed; results may be incomplete.' },
        ]);
      }
    }
    const tables: KustoTable[] = this.tables.map(({ id, name, kind, columns, rows }) => ({ id, name, kind, columns, rows }));
    const statistics = readStatistics(tables);
    const visualization = readVisualization(tables);
    return {
      tables,
      partialErrors: this.partialErrors,
      ...(statistics ? { statistics } : {}),
      ...(visualization ? { visualization } : {}),
    };
  }
}

/** The index of the column named exactly `name`, or -1. */
export function columnIndex(table: KustoTable, name: string): number {
  return table.columns.findIndex((column) => column.name === name);
}

function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') {
    return value;
  }
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** Error events (Level ≤ 2) in QueryCompletionInformation, used when DataSetCompletion has no details. */
function completionInformationErrors(tables: readonly KustoTable[]): KustoErrorInfo[] {
  const result: KustoErrorInfo[] = [];
  for (const table of tables) {
    if (table.kind !== 'QueryCompletionInformation') {
      continue;
    }
    const level = columnIndex(table, 'Level');
    const payload = columnIndex(table, 'Payload');
    const status = columnIndex(table, 'StatusCodeName');
    if (level < 0) {
      continue;
    }
    for (const row of table.rows) {
      if (typeof row[level] === 'number' && (row[level] as number) <= 2) {
        const details = asObject(parseJsonText(row[payload]));
        const text = typeof details?.Text === 'string' ? details.Text : typeof row[payload] === 'string' ? (row[payload] as string) : '';
        result.push({ code: typeof row[status] === 'string' ? (row[status] as string) : 'Error', message: text || 'The query reported an error.' });
      }
    }
  }
  return result;
}

function numberAt(source: unknown, ...path: string[]): number | undefined {
  let current: unknown = source;
  for (const key of path) {
    current = asObject(current)?.[key];
  }
  return typeof current === 'number' && Number.isFinite(current) ? current : undefined;
}

/** Statistics from the QueryResourceConsumption event of QueryCompletionInformation. */
export function readStatistics(tables: readonly KustoTable[]): QueryStatistics | undefined {
  for (const table of tables) {
    if (table.kind !== 'QueryCompletionInformation') {
      continue;
    }
    const eventType = columnIndex(table, 'EventTypeName');
    const payloadColumn = columnIndex(table, 'Payload');
    if (eventType < 0 || payloadColumn < 0) {
      continue;
    }
    const row = [...table.rows].find((candidate) => candidate[eventType] === 'QueryResourceConsumption');
    const payload = asObject(parseJsonText(row?.[payloadColumn]));
    if (!payload) {
      continue;
    }
    const usage = asObject(payload.resource_usage);
    const cpu = asObject(usage?.cpu);
    const totalCpu = cpu?.['total cpu'] ?? cpu?.totalcpu ?? cpu?.total;
    const cpuTimeMs = typeof totalCpu === 'string' ? parseTimespanMs(totalCpu) : undefined;
    const shards = asObject(asObject(usage?.cache)?.shards);
    let scannedBytes: number | undefined;
    for (const tier of ['hot', 'cold']) {
      for (const measure of ['hitbytes', 'missbytes']) {
        const bytes = numberAt(shards, tier, measure);
        if (bytes !== undefined) {
          scannedBytes = (scannedBytes ?? 0) + bytes;
        }
      }
    }
    const datasetStatistics = Array.isArray(payload.dataset_statistics) ? payload.dataset_statistics[0] : undefined;
    const statistics: QueryStatistics = {
      executionTimeSeconds: numberAt(payload, 'ExecutionTime'),
      cpuTimeMs,
      memoryPeakBytes: numberAt(usage, 'memory', 'peak_per_node'),
      scannedExtentsBytes: scannedBytes,
      resultRowCount: numberAt(datasetStatistics, 'table_row_count'),
      resultSizeBytes: numberAt(datasetStatistics, 'table_size'),
      raw: payload,
    };
    return Object.fromEntries(Object.entries(statistics).filter(([, value]) => value !== undefined)) as QueryStatistics;
  }
  return undefined;
}

/** The `render` settings: a JSON text (sometimes an object) whose "Visualization" names the chart. */
export function visualizationFrom(value: unknown): Visualization | undefined {
  const settings = asObject(parseJsonText(value));
  const type = settings?.Visualization;
  if (!settings || typeof type !== 'string' || !type) {
    return undefined;
  }
  const properties: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings)) {
    if (key !== 'Visualization' && setting !== null && setting !== undefined) {
      properties[key] = setting;
    }
  }
  return { type, properties };
}

/** v2 QueryProperties (@ExtendedProperties): rows of TableId, Key, Value; Key "Visualization". */
function readVisualization(tables: readonly KustoTable[]): Visualization | undefined {
  for (const table of tables) {
    if (table.kind !== 'QueryProperties') {
      continue;
    }
    const key = columnIndex(table, 'Key');
    const value = columnIndex(table, 'Value');
    if (key < 0 || value < 0) {
      continue;
    }
    for (const row of table.rows) {
      if (row[key] === 'Visualization') {
        const visualization = visualizationFrom(row[value]);
        if (visualization) {
          return visualization;
        }
      }
    }
  }
  return undefined;
}

function dynamicColumnIndexes(columns: readonly KustoColumn[]): number[] {
  const indexes: number[] = [];
  columns.forEach((column, index) => column.type === 'dynamic' && indexes.push(index));
  return indexes;
}
