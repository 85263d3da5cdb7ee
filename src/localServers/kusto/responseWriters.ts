// Streams Kusto responses in the real wire formats: v2 frames (DataTable or progressive/fragmented
// TableHeader/TableFragment/TableProgress/TableCompletion) and v1 {"Tables":[...]} for queries and commands.
// Rows are encoded one by one into a bounded buffer, so a million-row result never becomes one string.

import { randomUUID } from 'node:crypto';
import { StatementResult, emptyVisualization } from './kqlEngine';
import { KustoServiceError, RequestContext, oneApiError, resultSetTooLarge } from './kustoErrors';
import {
  ColumnSchema,
  Row,
  ScalarType,
  V1_DATA_TYPE_NAMES,
  datetimeFromUnixMs,
  encodeRow,
  encodeV1Cell,
  encodeV2Cell,
  formatDatetime,
} from './kustoTypes';
import { ManagementResult } from './managementCommands';

export class ClientDisconnectedError extends Error {
  constructor() {
    super('The client closed the connection before the response was complete.');
    this.name = 'ClientDisconnectedError';
  }
}

/** Where response text goes: appended synchronously, flushed (with back-pressure) when the buffer is full. */
export interface BodySink {
  /** Adds text; returns true when the caller should `await flush()` before producing more. */
  append(text: string): boolean;
  flush(): Promise<void>;
  readonly disconnected: boolean;
}

export interface ResultLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** false with `notruncation`: no limit applies. */
  readonly enforced: boolean;
}

export interface QueryWriteOptions {
  readonly context: RequestContext;
  readonly limits: ResultLimits;
  readonly progressive: boolean;
  readonly fragmented: boolean;
  readonly errorPlacement: 'InData' | 'EndOfTable';
  readonly startedAt: number;
  /** Rows per TableFragment frame. */
  readonly fragmentRows?: number;
}

interface TableOutcome {
  rowCount: number;
  byteCount: number;
}

/** Tracks the result-set limits across every primary table of one response. */
class LimitTracker {
  rows = 0;
  bytes = 0;
  error?: KustoServiceError;
  constructor(private readonly limits: ResultLimits) {}

  /** Returns false (and records the error) when one more row of `size` bytes would break a limit. */
  admit(size: number): boolean {
    if (this.error) {
      return false;
    }
    if (this.limits.enforced) {
      if (this.rows + 1 > this.limits.maxRecords) {
        this.error = resultSetTooLarge(this.limits.maxRecords, 'records');
        return false;
      }
      if (this.bytes + size > this.limits.maxBytes) {
        this.error = resultSetTooLarge(this.limits.maxBytes, 'bytes');
        return false;
      }
    }
    this.rows++;
    this.bytes += size;
    return true;
  }
}

async function appendChecked(sink: BodySink, text: string): Promise<void> {
  if (sink.disconnected) {
    throw new ClientDisconnectedError();
  }
  if (sink.append(text)) {
    await sink.flush();
    if (sink.disconnected) {
      throw new ClientDisconnectedError();
    }
  }
}

function v2Columns(columns: readonly ColumnSchema[]): string {
  return JSON.stringify(columns.map((c) => ({ ColumnName: c.name, ColumnType: c.type })));
}

function v1Columns(columns: readonly ColumnSchema[]): string {
  return JSON.stringify(columns.map((c) => ({ ColumnName: c.name, DataType: V1_DATA_TYPE_NAMES[c.type], ColumnType: c.type })));
}

/**
 * Writes the rows of one table as comma-separated JSON arrays, stopping at the limits. `onRow` lets the
 * fragmented writer cut frames. Returns how many rows were written.
 */
async function writeRows(
  sink: BodySink,
  result: StatementResult,
  encodeCell: typeof encodeV2Cell,
  tracker: LimitTracker,
  separatorBefore: (rowIndex: number) => string,
): Promise<TableOutcome> {
  const types: ScalarType[] = result.columns.map((c) => c.type);
  let rowCount = 0;
  let byteCount = 0;
  for (const row of result.rows()) {
    const text = encodeRow(types, row, encodeCell);
    if (!tracker.admit(text.length)) {
      break;
    }
    await appendChecked(sink, separatorBefore(rowCount) + text);
    rowCount++;
    byteCount += text.length;
  }
  return { rowCount, byteCount };
}

function visualizationJson(result: StatementResult): string {
  return JSON.stringify(result.visualization ?? emptyVisualization());
}

interface CompletionRow {
  level: number;
  levelName: string;
  statusCode: number;
  statusCodeName: string;
  eventType: number;
  eventTypeName: string;
  payload: string;
}

function completionRows(outcomes: readonly TableOutcome[], options: QueryWriteOptions, error?: KustoServiceError): CompletionRow[] {
  const executionSeconds = Math.max(0.0001, (Date.now() - options.startedAt) / 1000);
  const cpu = `00:00:${Math.min(59, executionSeconds * 0.8).toFixed(7).padStart(10, '0')}`;
  const resourceConsumption = {
    ExecutionTime: Number(executionSeconds.toFixed(7)),
    resource_usage: {
      cache: {
        shards: {
          hot: { hitbytes: outcomes.reduce((s, o) => s + o.byteCount, 0), missbytes: 0, retrievebytes: 0 },
          cold: { hitbytes: 0, missbytes: 0, retrievebytes: 0 },
          bypassbytes: 0,
        },
      },
      cpu: { user: cpu, kernel: '00:00:00', 'total cpu': cpu, breakdown: { 'query execution': cpu, 'query planning': '00:00:00.0001000' } },
      memory: { peak_per_node: 524384 + outcomes.reduce((s, o) => s + o.byteCount, 0) },
      network: { inter_cluster_total_bytes: 962, cross_cluster_total_bytes: 0 },
    },
    input_dataset_statistics: {
      extents: { total: 1, scanned: 1, scanned_min_datetime: '0001-01-01T00:00:00.0000000Z', scanned_max_datetime: '0001-01-01T00:00:00.0000000Z' },
      rows: { total: outcomes.reduce((s, o) => s + o.rowCount, 0), scanned: outcomes.reduce((s, o) => s + o.rowCount, 0) },
      rowstores: { scanned_rows: 0, scanned_values_size: 0 },
      shards: { queries_generic: 0, queries_specialized: 0 },
    },
    dataset_statistics: outcomes.map((o) => ({ table_row_count: o.rowCount, table_size: o.byteCount })),
    cross_cluster_resource_usage: {},
  };
  const rows: CompletionRow[] = [];
  if (error) {
    rows.push({
      level: 2,
      levelName: 'Error',
      statusCode: -2133196797,
      statusCodeName: 'E_QUERY_RESULT_SET_TOO_LARGE (0x80DA0003)',
      eventType: 4,
      eventTypeName: 'QueryInfo',
      payload: JSON.stringify({ Count: 1, Text: error.detailedMessage }),
    });
  } else {
    rows.push({ level: 4, levelName: 'Info', statusCode: 0, statusCodeName: 'S_OK (0)', eventType: 4, eventTypeName: 'QueryInfo', payload: JSON.stringify({ Count: 1, Text: 'Query completed successfully' }) });
  }
  rows.push({ level: 4, levelName: 'Info', statusCode: 0, statusCodeName: 'S_OK (0)', eventType: 5, eventTypeName: 'WorkloadGroup', payload: JSON.stringify({ Count: 1, Text: 'default' }) });
  rows.push({ level: 6, levelName: 'Stats', statusCode: 0, statusCodeName: 'S_OK (0)', eventType: 0, eventTypeName: 'QueryResourceConsumption', payload: JSON.stringify(resourceConsumption) });
  return rows;
}

// ------------------------------------------------------------------ v2

export async function writeV2QueryResponse(sink: BodySink, results: readonly StatementResult[], options: QueryWriteOptions): Promise<void> {
  const { context } = options;
  const fragmented = options.fragmented || options.progressive;
  const fragmentRows = options.fragmentRows ?? 5000;
  const tracker = new LimitTracker(options.limits);
  const header = {
    FrameType: 'DataSetHeader',
    IsProgressive: options.progressive,
    Version: 'v2.0',
    IsFragmented: fragmented,
    ErrorReportingPlacement: options.errorPlacement,
  };
  await appendChecked(sink, '[' + JSON.stringify(header));
  const propertiesRows = results.map((result, i) => [i + 1, 'Visualization', visualizationJson(result)]);
  await appendChecked(
    sink,
    '\n,' +
      JSON.stringify({
        FrameType: 'DataTable',
        TableId: 0,
        TableKind: 'QueryProperties',
        TableName: '@ExtendedProperties',
        Columns: [
          { ColumnName: 'TableId', ColumnType: 'int' },
          { ColumnName: 'Key', ColumnType: 'string' },
          { ColumnName: 'Value', ColumnType: 'dynamic' },
        ],
        Rows: propertiesRows,
      }),
  );
  const outcomes: TableOutcome[] = [];
  for (let i = 0; i < results.length; i++) {
    const result = results[i];
    const tableId = i + 1;
    const errorBefore = tracker.error;
    if (!fragmented) {
      await appendChecked(
        sink,
        `\n,{"FrameType":"DataTable","TableId":${tableId},"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":${v2Columns(result.columns)},"Rows":[`,
      );
      const outcome = await writeRows(sink, result, encodeV2Cell, tracker, (index) => (index === 0 ? '' : ','));
      outcomes.push(outcome);
      const newError = !errorBefore && tracker.error ? tracker.error : undefined;
      if (newError) {
        // InData placement: the error travels as an object inside Rows, where the data stopped.
        await appendChecked(sink, `${outcome.rowCount > 0 ? ',' : ''}{"OneApiErrors":[${JSON.stringify({ error: oneApiError(newError, context) })}]}`);
      }
      await appendChecked(sink, ']}');
      continue;
    }
    await appendChecked(
      sink,
      '\n,' + JSON.stringify({ FrameType: 'TableHeader', TableId: tableId, TableKind: 'PrimaryResult', TableName: 'PrimaryResult', Columns: result.columns.map((c) => ({ ColumnName: c.name, ColumnType: c.type })) }),
    );
    let inFragment = false;
    let fragmentCount = 0;
    const fragmentStart = `\n,{"FrameType":"TableFragment","TableFragmentType":"DataAppend","TableId":${tableId},"Rows":[`;
    const outcome = await writeRows(sink, result, encodeV2Cell, tracker, (index) => {
      let prefix = '';
      if (inFragment && index % fragmentRows === 0) {
        prefix += ']}';
        fragmentCount++;
        if (options.progressive) {
          prefix += `\n,{"FrameType":"TableProgress","TableId":${tableId},"TableProgress":${Math.min(99, fragmentCount * 10)}.0}`;
        }
        inFragment = false;
      }
      if (!inFragment) {
        inFragment = true;
        return prefix + fragmentStart;
      }
      return prefix + ',';
    });
    outcomes.push(outcome);
    const newError = !errorBefore && tracker.error ? tracker.error : undefined;
    if (newError && options.errorPlacement === 'InData') {
      await appendChecked(sink, inFragment ? ',' : fragmentStart);
      await appendChecked(sink, `{"OneApiErrors":[${JSON.stringify({ error: oneApiError(newError, context) })}]}`);
      inFragment = true;
    }
    if (inFragment) {
      await appendChecked(sink, ']}');
    }
    const completion: Record<string, unknown> = { FrameType: 'TableCompletion', TableId: tableId, RowCount: outcome.rowCount };
    if (newError && options.errorPlacement === 'EndOfTable') {
      completion.OneApiErrors = [{ error: oneApiError(newError, context) }];
    }
    await appendChecked(sink, '\n,' + JSON.stringify(completion));
  }
  const now = formatDatetime(datetimeFromUnixMs(Date.now()));
  const completion = completionRows(outcomes, options, tracker.error);
  const subActivityId = randomUUID();
  await appendChecked(
    sink,
    '\n,' +
      JSON.stringify({
        FrameType: 'DataTable',
        TableId: results.length + 1,
        TableKind: 'QueryCompletionInformation',
        TableName: 'QueryCompletionInformation',
        Columns: [
          { ColumnName: 'Timestamp', ColumnType: 'datetime' },
          { ColumnName: 'ClientRequestId', ColumnType: 'string' },
          { ColumnName: 'ActivityId', ColumnType: 'guid' },
          { ColumnName: 'SubActivityId', ColumnType: 'guid' },
          { ColumnName: 'ParentActivityId', ColumnType: 'guid' },
          { ColumnName: 'Level', ColumnType: 'int' },
          { ColumnName: 'LevelName', ColumnType: 'string' },
          { ColumnName: 'StatusCode', ColumnType: 'int' },
          { ColumnName: 'StatusCodeName', ColumnType: 'string' },
          { ColumnName: 'EventType', ColumnType: 'int' },
          { ColumnName: 'EventTypeName', ColumnType: 'string' },
          { ColumnName: 'Payload', ColumnType: 'string' },
        ],
        Rows: completion.map((r) => [
          now, context.clientRequestId, context.activityId, subActivityId, context.activityId,
          r.level, r.levelName, r.statusCode, r.statusCodeName, r.eventType, r.eventTypeName, r.payload,
        ]),
      }),
  );
  const dataSetCompletion: Record<string, unknown> = { FrameType: 'DataSetCompletion', HasErrors: Boolean(tracker.error), Cancelled: false };
  if (tracker.error) {
    dataSetCompletion.OneApiErrors = [{ error: oneApiError(tracker.error, context) }];
  }
  await appendChecked(sink, '\n,' + JSON.stringify(dataSetCompletion) + '\n]');
  await sink.flush();
}

// ------------------------------------------------------------------ v1

function v1ExceptionText(error: KustoServiceError, context: RequestContext): string {
  return (
    `${error.detailedMessage}\r\n[0]${error.type}: ${error.detailedMessage}\r\n` +
    `Timestamp=${new Date().toISOString()}\r\nClientRequestId=${context.clientRequestId}\r\nActivityId=${context.activityId}\r\n`
  );
}

export async function writeV1QueryResponse(sink: BodySink, results: readonly StatementResult[], options: QueryWriteOptions): Promise<void> {
  const { context } = options;
  const tracker = new LimitTracker(options.limits);
  const outcomes: TableOutcome[] = [];
  await appendChecked(sink, '{"Tables":[');
  for (let i = 0; i < results.length; i++) {
    const result = results[i];
    const errorBefore = tracker.error;
    await appendChecked(sink, `${i > 0 ? ',' : ''}{"TableName":"Table_${i}","Columns":${v1Columns(result.columns)},"Rows":[`);
    const outcome = await writeRows(sink, result, encodeV1Cell, tracker, (index) => (index === 0 ? '' : ','));
    outcomes.push(outcome);
    if (!errorBefore && tracker.error) {
      await appendChecked(sink, `${outcome.rowCount > 0 ? ',' : ''}{"Exceptions":[${JSON.stringify(v1ExceptionText(tracker.error, context))}]}`);
    }
    await appendChecked(sink, ']}');
  }
  const k = results.length;
  const extendedProperties = {
    TableName: `Table_${k}`,
    Columns: [{ ColumnName: 'Value', DataType: 'String', ColumnType: 'string' }],
    Rows: results.map((result) => [visualizationJson(result)]),
  };
  const now = formatDatetime(datetimeFromUnixMs(Date.now()));
  const subActivityId = randomUUID();
  const statusRows = completionRows(outcomes, options, tracker.error)
    .filter((r) => r.eventTypeName !== 'WorkloadGroup')
    .map((r) => [
      now,
      r.level,
      r.levelName,
      r.statusCode,
      r.eventTypeName === 'QueryInfo' ? (JSON.parse(r.payload) as { Text: string }).Text : r.payload,
      1,
      context.activityId,
      context.activityId,
      subActivityId,
      context.clientRequestId,
    ]);
  const queryStatus = {
    TableName: `Table_${k + 1}`,
    Columns: [
      { ColumnName: 'Timestamp', DataType: 'DateTime', ColumnType: 'datetime' },
      { ColumnName: 'Severity', DataType: 'Int32', ColumnType: 'int' },
      { ColumnName: 'SeverityName', DataType: 'String', ColumnType: 'string' },
      { ColumnName: 'StatusCode', DataType: 'Int32', ColumnType: 'int' },
      { ColumnName: 'StatusDescription', DataType: 'String', ColumnType: 'string' },
      { ColumnName: 'Count', DataType: 'Int32', ColumnType: 'int' },
      { ColumnName: 'RequestId', DataType: 'Guid', ColumnType: 'guid' },
      { ColumnName: 'ActivityId', DataType: 'Guid', ColumnType: 'guid' },
      { ColumnName: 'SubActivityId', DataType: 'Guid', ColumnType: 'guid' },
      { ColumnName: 'ClientActivityId', DataType: 'String', ColumnType: 'string' },
    ],
    Rows: statusRows,
  };
  const tocRows: unknown[][] = results.map((_, i) => [i, 'QueryResult', 'PrimaryResult', randomUUID(), '']);
  tocRows.push([k, 'QueryProperties', '@ExtendedProperties', randomUUID(), '']);
  tocRows.push([k + 1, 'QueryStatus', 'QueryStatus', '00000000-0000-0000-0000-000000000000', '']);
  const tableOfContents = {
    TableName: `Table_${k + 2}`,
    Columns: [
      { ColumnName: 'Ordinal', DataType: 'Int64', ColumnType: 'long' },
      { ColumnName: 'Kind', DataType: 'String', ColumnType: 'string' },
      { ColumnName: 'Name', DataType: 'String', ColumnType: 'string' },
      { ColumnName: 'Id', DataType: 'String', ColumnType: 'string' },
      { ColumnName: 'PrettyName', DataType: 'String', ColumnType: 'string' },
    ],
    Rows: tocRows,
  };
  let tail = `,${JSON.stringify(extendedProperties)},${JSON.stringify(queryStatus)},${JSON.stringify(tableOfContents)}]`;
  if (tracker.error) {
    tail += `,"Exceptions":[${JSON.stringify(v1ExceptionText(tracker.error, context))}]`;
  }
  await appendChecked(sink, tail + '}');
  await sink.flush();
}

export async function writeV1ManagementResponse(sink: BodySink, result: ManagementResult): Promise<void> {
  const types = result.columns.map((c) => c.type);
  await appendChecked(sink, `{"Tables":[{"TableName":"Table_0","Columns":${v1Columns(result.columns)},"Rows":[`);
  for (let i = 0; i < result.rows.length; i++) {
    await appendChecked(sink, (i > 0 ? ',' : '') + encodeRow(types, result.rows[i] as Row, encodeV1Cell));
  }
  await appendChecked(sink, ']}]}');
  await sink.flush();
}
