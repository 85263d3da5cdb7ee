// What a Kusto request is and how it goes on the wire: the request a caller describes, the JSON body Kusto's REST
// API reads (db, csl, properties with Options and Parameters) and the headers every request carries.

import type { ServerCancelOutcome } from './serverCancel';
import type { KustoTable } from './resultTypes';

export interface KustoRequest {
  /** Cluster URL; normalised with parseClusterUrl (the token and the request go to this origin only). */
  clusterUrl: string;
  database: string;
  text: string;
  /** Server-side timeout (servertimeout); default 4 min for queries, 10 min for commands. */
  serverTimeoutMs?: number;
  /** Sent as truncationmaxrecords, and enforced: a table with more rows than this fails the request. */
  resultRowLimit?: number;
  /** Largest decompressed response body in bytes (setting kusto.query.maxResponseMegabytes); default the client's. */
  maxResponseBytes?: number;
  /** Extra client request properties, merged into properties.Options ("Parameters" goes to properties.Parameters). */
  properties?: Record<string, unknown>;
  signal?: AbortSignal;
  /** Goes into x-ms-client-request-id as KE.<kind>;<uuid>; default RunQuery. */
  requestKind?: string;
  /**
   * A query cancelled through `signal` keeps running on a real cluster until told: the client then sends
   * `.cancel query "<client request id>"` (best effort) and reports how that went here. Not called for commands.
   */
  onServerCancel?: (outcome: ServerCancelOutcome) => void;
  onProgress?: (info: { rowsReceived: number }) => void;
  /**
   * Called while the body streams, after each chunk that added rows to the primary table (v2: the first
   * PrimaryResult, also when sent as TableHeader + TableFragments): that table as received so far. Its rows are
   * fixed at the call; a later call brings more. Lets a result be shown before its last byte has arrived.
   */
  onPrimaryRows?: (table: KustoTable) => void;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 4 * 60_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;
export const CLIENT_TIMEOUT_MARGIN_MS = 30_000;
export const CANCEL_TIMEOUT_MS = 30_000;

/** Kusto timespan for servertimeout: hh:mm:ss, with a day part beyond 24 hours. */
export function formatServerTimeout(milliseconds: number): string {
  const totalSeconds = Math.max(1, Math.ceil(milliseconds / 1000));
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${days > 0 ? `${days}.` : ''}${two(hours)}:${two(minutes)}:${two(seconds)}`;
}

/** Header values must be ASCII; anything else becomes '?' rather than failing the request. */
function asciiHeader(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?');
}

/** The headers of a request: the bearer token for this cluster, the client request id, who is asking, what we accept. */
export function requestHeaders(token: string, clientRequestId: string, who: { application: string; clientVersion: string }): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'x-ms-client-request-id': clientRequestId,
    'x-ms-app': asciiHeader(who.application),
    'x-ms-client-version': asciiHeader(who.clientVersion),
    accept: 'application/json',
    'accept-encoding': 'gzip, deflate',
    'content-type': 'application/json; charset=utf-8',
  };
}

/** The JSON body: database, text, and the client request properties (servertimeout, truncationmaxrecords, the caller's). */
export function requestBody(request: KustoRequest, serverTimeoutMs: number): Record<string, unknown> {
  const { Parameters: parameters, ...extraOptions } = request.properties ?? {};
  const options: Record<string, unknown> = { servertimeout: formatServerTimeout(serverTimeoutMs) };
  if (request.resultRowLimit !== undefined) {
    options.truncationmaxrecords = request.resultRowLimit;
  }
  Object.assign(options, extraOptions);
  return {
    db: request.database,
    csl: request.text,
    properties: { Options: options, ...(parameters !== undefined ? { Parameters: parameters } : {}) },
  };
}
