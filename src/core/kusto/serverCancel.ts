// `.cancel query` (https://learn.microsoft.com/kusto/management/cancel-query-command): cancelling a request only
// on the client leaves the query running on the cluster, using the user's capacity until it ends. The command
// names the query by its client request id; its answer says whether a running query was cancelled.

import type { KustoResponse } from './resultTypes';

export interface ServerCancelOutcome {
  /** cancelled: the cluster stopped it; notRunning: it had already ended (or never started); failed: see message. */
  readonly status: 'cancelled' | 'notRunning' | 'failed';
  readonly clientRequestId: string;
  readonly message: string;
  readonly code?: string;
}

const CANCEL_REASON = 'Cancelled by the user in Kusto Explorer for VS Code';

/** The command text; the id is quoted as a Kusto string literal (ids are KE.<kind>;<uuid>, but quote anyway). */
export function cancelQueryCommand(clientRequestId: string): string {
  return `.cancel query ${kustoStringLiteral(clientRequestId)} with (reason = ${kustoStringLiteral(CANCEL_REASON)})`;
}

function kustoStringLiteral(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"`;
}

/** Reads the command's answer (columns ClientRequestId, ReasonPhrase, RunningQueryCanceled). */
export function readCancelOutcome(clientRequestId: string, response: KustoResponse): ServerCancelOutcome {
  const table = response.primaryResults[0];
  const column = table?.columns.findIndex((candidate) => candidate.name.toLowerCase() === 'runningquerycanceled') ?? -1;
  const value = table && column >= 0 && table.rows.length > 0 ? table.rows.at(0)[column] : undefined;
  const cancelled = value === true || value === 'True' || value === 'true' || value === 1;
  return cancelled
    ? { status: 'cancelled', clientRequestId, message: 'The cluster stopped the query.' }
    : { status: 'notRunning', clientRequestId, message: 'The cluster had no running query with this id (it had already ended).' };
}
