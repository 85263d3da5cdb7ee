// Typed results of a Kusto request, shared by the client, the results panel and the webview protocol.
// A row read from a table is an array of the JSON values the server sent (no object per cell), with one
// exception: a long that does not fit a JS number exactly is kept as its decimal string, so it is never
// silently rounded. Tables hand rows out by position (KustoRows): a large result is parsed as it is read.

import type { KustoRows } from './kustoRows';

/** Kusto scalar type names as they appear in v2 `ColumnType` (v1 `DataType`/`ColumnType` are mapped to these). */
export type KustoScalarType =
  | 'bool'
  | 'datetime'
  | 'dynamic'
  | 'guid'
  | 'int'
  | 'long'
  | 'real'
  | 'string'
  | 'timespan'
  | 'decimal';

export interface KustoColumn {
  readonly name: string;
  readonly type: KustoScalarType;
}

/**
 * A cell as received: null; boolean (bool); number (int, real, long within 2^53); string (string, guid,
 * datetime as sent e.g. "2007-01-01T00:00:00.0000000Z", timespan as sent e.g. "01:02:03.5", decimal as sent,
 * long beyond 2^53 as its exact digits); object/array (dynamic, already parsed).
 */
export type KustoValue = null | boolean | number | string | { readonly [key: string]: unknown } | readonly unknown[];
export type KustoRow = KustoValue[];

export type TableKind =
  | 'PrimaryResult'
  | 'QueryProperties'
  | 'QueryCompletionInformation'
  | 'QueryTraceLog'
  | 'QueryPerfLog'
  | 'TableOfContents'
  | 'QueryPlan'
  | 'Unknown';

export interface KustoTable {
  readonly id: number;
  readonly name: string;
  readonly kind: TableKind;
  readonly columns: readonly KustoColumn[];
  readonly rows: KustoRows;
}

/** Server-side statistics from QueryCompletionInformation (absent for management commands). */
export interface QueryStatistics {
  readonly executionTimeSeconds?: number;
  readonly cpuTimeMs?: number;
  readonly memoryPeakBytes?: number;
  readonly scannedExtentsBytes?: number;
  readonly resultRowCount?: number;
  readonly resultSizeBytes?: number;
  /** Everything else the server reported, as sent. */
  readonly raw?: unknown;
}

/** `render` operator output from QueryProperties (Visualization). */
export interface Visualization {
  readonly type: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface KustoResponse {
  readonly endpoint: 'query' | 'mgmt';
  readonly clientRequestId: string;
  /** Primary result tables, in order: what the user sees as tabs. */
  readonly primaryResults: readonly KustoTable[];
  /** Every table of the response, including QueryProperties and QueryCompletionInformation. */
  readonly allTables: readonly KustoTable[];
  readonly statistics?: QueryStatistics;
  readonly visualization?: Visualization;
  /** Errors reported inside a 200 response (DataSetCompletion / OneApiErrors): results may be partial. */
  readonly partialErrors: readonly KustoErrorInfo[];
  /** Client-side time from request start to the last byte parsed. */
  readonly elapsedMs: number;
}

export interface KustoErrorInfo {
  /** Kusto error code, e.g. "General_BadRequest", "SEM0100", "Unauthorized". */
  readonly code: string;
  readonly message: string;
  /** Where in the query text a semantic error is (1-based line and column as Kusto reports them). */
  readonly position?: { readonly line: number; readonly column: number };
  /** The `x-ms-client-request-id` of the request that failed (set on request errors, for support). */
  readonly clientRequestId?: string;
  /** HTTP status of a failed request (absent for errors reported inside a 200 response). */
  readonly httpStatus?: number;
}
