// What a real cluster (and the proxies in front of it) does that the local server used to spare its clients:
// error bodies compressed when the client accepts gzip, queries that keep running after the client hangs up
// until `.cancel query` stops them, and faults a gateway produces (HTML error pages, connection resets before
// any answer, bodies that are not UTF-8, gzip that inflates far beyond its size, rows beyond the asked limit).

import type * as http from 'node:http';
import * as zlib from 'node:zlib';
import { KustoServiceError, syntaxError } from './kustoErrors';
import type { ManagementResult } from './managementCommands';

/** Queries the server is running, by x-ms-client-request-id: what `.cancel query` looks up. */
export class RunningQueries {
  private readonly running = new Map<string, { readonly controller: AbortController; readonly database: string; readonly startedAt: number }>();
  /** Client request ids of the queries `.cancel query` stopped, in order (tests read it). */
  readonly cancelled: string[] = [];

  constructor(private readonly log: (line: string) => void) {}

  /** Registers a running query; its signal aborts when `.cancel query` names it. */
  start(clientRequestId: string, database: string): AbortSignal {
    const controller = new AbortController();
    this.running.set(clientRequestId, { controller, database, startedAt: Date.now() });
    return controller.signal;
  }

  end(clientRequestId: string): void {
    this.running.delete(clientRequestId);
  }

  /** Cancels the running query with this id; false when none runs. */
  cancel(clientRequestId: string, reason: string): boolean {
    const query = this.running.get(clientRequestId);
    if (!query) {
      this.log(`.cancel query: no running query ${clientRequestId}`);
      return false;
    }
    this.running.delete(clientRequestId);
    this.cancelled.push(clientRequestId);
    query.controller.abort(new Error(reason));
    this.log(`.cancel query: cancelled ${clientRequestId} on ${query.database} after ${Date.now() - query.startedAt} ms (${reason})`);
    return true;
  }

  cancelAll(): void {
    for (const query of this.running.values()) {
      query.controller.abort(new Error('server closing'));
    }
    this.running.clear();
  }
}

/** Waits `ms` like a slow query: a client hanging up does not stop it (as on a real cluster); `.cancel query` does. */
export function runSlowQuery(ms: number, signal: AbortSignal): Promise<'finished' | 'cancelled'> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve('cancelled');
      return;
    }
    const timer = setTimeout(() => resolve('finished'), ms);
    timer.unref();
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve('cancelled');
      },
      { once: true },
    );
  });
}

const CANCEL_PATTERN = /^\.cancel\s+query\s+(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*(?:with\s*\(\s*reason\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\))?\s*;?\s*$/i;

/** `.cancel query "<id>" [with (reason = "...")]`, or undefined for any other text; a malformed one is a syntax error. */
export function parseCancelQuery(csl: string): { clientRequestId: string; reason: string } | undefined {
  const text = csl.trim();
  if (!/^\.cancel\s+query\b/i.test(text)) {
    return undefined;
  }
  const match = CANCEL_PATTERN.exec(text);
  if (!match) {
    throw syntaxError('.cancel query expects a quoted ClientRequestId, e.g. .cancel query "KE.RunQuery;<guid>" with (reason = "...")', { line: 1, column: 1 });
  }
  const unescape = (value: string): string => value.replace(/\\(.)/g, '$1');
  return { clientRequestId: unescape(match[1] ?? match[2] ?? ''), reason: unescape(match[3] ?? match[4] ?? 'Canceled by a .cancel query command') };
}

/** The answer of `.cancel query`: one row saying whether a running query was cancelled. */
export function cancelQueryResult(clientRequestId: string, reason: string, cancelled: boolean): ManagementResult {
  return {
    columns: [
      { name: 'ClientRequestId', type: 'string' },
      { name: 'ReasonPhrase', type: 'string' },
      { name: 'RunningQueryCanceled', type: 'bool' },
    ],
    rows: [[clientRequestId, reason, cancelled]],
  };
}

/** Error bodies go out gzipped when the client accepts gzip, as real endpoints send them. */
export function encodeErrorBody(request: http.IncomingMessage | undefined, body: string): { body: Buffer | string; headers: Record<string, string> } {
  if (request && /\bgzip\b/i.test(String(request.headers['accept-encoding'] ?? ''))) {
    return { body: zlib.gzipSync(Buffer.from(body, 'utf8')), headers: { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' } };
  }
  return { body, headers: {} };
}

/** The page an nginx-style gateway answers with when the cluster behind it is unreachable. */
export const GATEWAY_HTML_PAGE =
  '<html>\r\n<head><title>502 Bad Gateway</title><style>body{font-family:sans-serif}</style></head>\r\n' +
  '<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3 &mdash; upstream kusto-engine unreachable</center>\r\n' +
  '<script>var telemetry = "should never be shown";</script>\r\n</body>\r\n</html>\r\n';

/** A OneApi 400 error whose message holds bytes that are not UTF-8 (a broken proxy re-encoding the body). */
export function invalidUtf8ErrorBody(): Buffer {
  const before = Buffer.from('{"error":{"code":"General_BadRequest","message":"Request is invalid: name \'', 'utf8');
  const after = Buffer.from('\' is not valid.","@type":"Kusto.Data.Exceptions.KustoBadRequestException","@permanent":true}}', 'utf8');
  return Buffer.concat([before, Buffer.from([0x43, 0x61, 0x66, 0xe9, 0xff, 0xfe]), after]);
}

/**
 * A 200 v2 body of `megabytes` of rows that gzip shrinks more than a thousandfold: what a client must bound by
 * the decompressed size, not the bytes on the wire. Written to `response` gzipped.
 */
export async function writeGzipBomb(response: http.ServerResponse, megabytes: number, clientRequestId: string): Promise<void> {
  response.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Encoding': 'gzip',
    'x-ms-client-request-id': clientRequestId,
  });
  const gzip = zlib.createGzip({ level: 9 });
  gzip.pipe(response);
  response.on('close', () => gzip.destroy());
  const header =
    '[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0","IsFragmented":false,"ErrorReportingPlacement":"InData"},' +
    '{"FrameType":"DataTable","TableId":0,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"Text","ColumnType":"string"}],"Rows":[';
  const row = `["${'x'.repeat(1000)}"]`;
  const block = Buffer.from(Array.from({ length: 1024 }, () => row).join(',') + ',', 'utf8');
  const write = (chunk: Buffer | string): Promise<void> =>
    new Promise((resolve) => (gzip.write(chunk) ? resolve() : gzip.once('drain', resolve)));
  await write(header);
  const blocks = Math.ceil((megabytes * 1024 * 1024) / block.length);
  for (let index = 0; index < blocks && !response.destroyed; index++) {
    await write(block);
  }
  gzip.end(`${row}]},{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]`);
}

export function cancelledQueryError(): KustoServiceError {
  return new KustoServiceError(
    400,
    'Query_Canceled',
    'Query was canceled.',
    'Kusto.Data.Exceptions.QueryCancelledException',
    'Query was canceled: the query was cancelled by a .cancel query command.',
    true,
  );
}
