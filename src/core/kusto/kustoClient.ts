// The Kusto REST client: one POST per request to the cluster's own endpoint (queries → /v2/rest/query,
// management commands → /v1/rest/mgmt), a bearer token minted for that cluster only, retries where Kusto says
// they help (429/503 with Retry-After, connection resets before any response byte, one token refresh on 401),
// and the response body parsed as it streams in. No `vscode` import: usable from tests, scripts and servers.

import { effectiveRowLimit } from './querySetStatements';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Agent, request as httpRequest, type Dispatcher } from 'undici';
import type { AccessTokenSource } from '../auth/accessTokenSource';
import { raceAbort } from '../abortable';
import { parseClusterUrl } from '../clusterUrl';
import { isManagementCommand, isReadOnlyCommand } from '../kql/commandKind';
import { KustoBodyError, KustoRequestError, KustoResponseFormatError, type KustoErrorKind } from './kustoErrors';
import { isQueryError, readOneApiError } from './oneApiErrors';
import {
  DEFAULT_MAX_RESPONSE_MEGABYTES,
  ResponseTooLargeError,
  UnsupportedEncodingError,
  contentEncoding,
  decodedBody,
  htmlTextExtract,
  isHtmlBody,
  plainTextExtract,
  readErrorBodyText,
} from './responseBody';
import { KustoResponseParser } from './responseParser';
import { cancelQueryCommand, readCancelOutcome, type ServerCancelOutcome } from './serverCancel';
import type { KustoErrorInfo, KustoResponse, KustoTable } from './resultTypes';

export interface KustoClientOptions {
  tokenSource: AccessTokenSource;
  /** Sent as x-ms-app, e.g. "Kusto Explorer for VS Code". */
  application: string;
  /** Sent as x-ms-client-version, e.g. "Kusto.Explorer.VSCode:0.1.0". */
  clientVersion: string;
  /** Retries of throttled (429), unavailable (503) and reset requests; default 3. */
  maxRetries?: number;
  /** First backoff delay when the server gives no Retry-After; doubles per retry (default 500 ms). */
  retryBaseDelayMs?: number;
  /** Longest wait before a retry (default 30 s); a longer Retry-After fails at once, saying when to retry. */
  maxRetryDelayMs?: number;
  /** Default 30 s; only used when no dispatcher is given. */
  connectTimeoutMs?: number;
  /** For tests, proxies, a custom CA. The client never closes a dispatcher it did not create. */
  dispatcher?: Dispatcher;
  /** Largest decompressed response body, in bytes, unless a request says otherwise (default 512 MB). */
  maxResponseBytes?: number;
}

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

const DEFAULT_QUERY_TIMEOUT_MS = 4 * 60_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;
const CLIENT_TIMEOUT_MARGIN_MS = 30_000;
const CANCEL_TIMEOUT_MS = 30_000;

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

/** Retry-After as seconds ("20") or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) {
    return undefined;
  }
  if (/^\d+(\.\d+)?$/.test(text)) {
    return Math.round(Number(text) * 1000);
  }
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function formatByteCount(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} bytes`;
  }
  if (bytes < 1024 * 1024) {
    return `${(bytes / 1024).toFixed(1)} KB`;
  }
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function formatDuration(milliseconds: number): string {
  const seconds = Math.ceil(milliseconds / 1000);
  if (seconds < 120) {
    return `${seconds} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
}

/** Header values must be ASCII; anything else becomes '?' rather than failing the request. */
function asciiHeader(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?');
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Errors that mean the connection broke before the server said anything: safe to send again. */
function isResetBeforeResponse(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED';
}

function isDecompressionError(error: unknown): boolean {
  const code = errorCode(error);
  return typeof code === 'string' && code.startsWith('Z_');
}

/** The reason a 401 gives: WWW-Authenticate error_description, else the Kusto error message, else the body. */
function unauthorizedReason(wwwAuthenticate: string | undefined, info: KustoErrorInfo | undefined, bodyText: string): string {
  const description = wwwAuthenticate ? /error_description="([^"]*)"/i.exec(wwwAuthenticate)?.[1] : undefined;
  if (description) {
    return description;
  }
  if (info && info.message) {
    return info.message;
  }
  const error = wwwAuthenticate ? /error="([^"]*)"/i.exec(wwwAuthenticate)?.[1] : undefined;
  if (error) {
    return error;
  }
  const text = bodyText.trim();
  return text ? text.slice(0, 300) : 'the cluster gave no reason';
}

interface AttemptContext {
  readonly clusterUrl: string;
  readonly clientRequestId: string;
  readonly token: () => string | undefined;
}

export class KustoClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly maxResponseBytes: number;
  /** `.cancel query` requests in flight: close() stops them rather than wait for a cluster that may not answer. */
  private readonly pendingCancels = new Set<AbortController>();

  constructor(private readonly options: KustoClientOptions) {
    if (!options || typeof options.tokenSource?.getToken !== 'function') {
      throw new TypeError('KustoClient needs a tokenSource with a getToken(clusterUrl) method.');
    }
    const check = (name: string, value: number | undefined, fallback: number): number => {
      if (value === undefined) {
        return fallback;
      }
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`KustoClient option ${name} must be a number ≥ 0 (got ${String(value)}).`);
      }
      return value;
    };
    this.maxRetries = Math.floor(check('maxRetries', options.maxRetries, 3));
    this.retryBaseDelayMs = check('retryBaseDelayMs', options.retryBaseDelayMs, 500);
    this.maxRetryDelayMs = check('maxRetryDelayMs', options.maxRetryDelayMs, 30_000);
    const connectTimeoutMs = check('connectTimeoutMs', options.connectTimeoutMs, 30_000);
    this.maxResponseBytes = check('maxResponseBytes', options.maxResponseBytes, DEFAULT_MAX_RESPONSE_MEGABYTES * 1024 * 1024);
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher =
      options.dispatcher ??
      new Agent({ connect: { timeout: connectTimeoutMs }, headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 30_000 });
  }

  /** Closes the connection pool the client created (not a dispatcher passed in the options). */
  async close(): Promise<void> {
    for (const pending of this.pendingCancels) {
      pending.abort();
    }
    if (this.ownsDispatcher) {
      await this.dispatcher.close();
    }
  }

  async execute(request: KustoRequest): Promise<KustoResponse> {
    const startedAt = performance.now();
    const kind = request.requestKind && /^[A-Za-z0-9_.-]+$/.test(request.requestKind) ? request.requestKind : 'RunQuery';
    const clientRequestId = `KE.${kind};${randomUUID()}`;
    const clusterUrl = parseClusterUrl(request.clusterUrl).url;
    let currentToken: string | undefined;
    const context: AttemptContext = { clusterUrl, clientRequestId, token: () => currentToken };
    const fail = (kindOfError: KustoErrorKind, code: string, message: string, extra: Partial<ConstructorParameters<typeof KustoRequestError>[0]> = {}): KustoRequestError =>
      this.error(context, { kind: kindOfError, code, message, ...extra });

    if (typeof request.text !== 'string' || request.text.trim() === '') {
      throw fail('query', 'EmptyQuery', 'The query text is empty: write a query or a management command (starting with ".").');
    }
    if (typeof request.database !== 'string') {
      throw fail('query', 'NoDatabase', 'No database is selected: choose a database for this query.');
    }
    const isCommand = isManagementCommand(request.text);
    const serverTimeoutMs = request.serverTimeoutMs ?? (isCommand ? DEFAULT_COMMAND_TIMEOUT_MS : DEFAULT_QUERY_TIMEOUT_MS);
    if (!Number.isFinite(serverTimeoutMs) || serverTimeoutMs <= 0) {
      throw fail('query', 'InvalidTimeout', `The server timeout must be a positive number of milliseconds (got ${String(request.serverTimeoutMs)}).`);
    }
    if (request.resultRowLimit !== undefined && (!Number.isInteger(request.resultRowLimit) || request.resultRowLimit < 1)) {
      throw fail('query', 'InvalidRowLimit', `The result row limit must be a whole number ≥ 1 (got ${String(request.resultRowLimit)}).`);
    }
    // setTimeout cannot wait longer than 2^31 - 1 ms (about 24 days).
    const clientTimeoutMs = Math.min(serverTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS, 2 ** 31 - 1);
    const url = `${clusterUrl}${isCommand ? '/v1/rest/mgmt' : '/v2/rest/query'}`;
    const body = JSON.stringify(this.requestBody(request, serverTimeoutMs));

    // One controller for the whole request: the caller's signal and the client-side timeout both abort it.
    const controller = new AbortController();
    let timedOut = false;
    // Set once a request has gone out: from then on, a cancelled query may be running on the cluster.
    let sent = false;
    const onCallerAbort = (): void => {
      controller.abort();
      if (sent && !isCommand) {
        this.cancelOnServer(clusterUrl, request.database, clientRequestId, request.onServerCancel);
      }
    };
    if (request.signal?.aborted) {
      throw fail('cancelled', 'Cancelled', 'The request was cancelled.');
    }
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, clientTimeoutMs);
    const abortedError = (): KustoRequestError =>
      timedOut
        ? fail(
            'timeout',
            'ClientTimeout',
            `The request to ${clusterUrl} did not finish within ${formatDuration(clientTimeoutMs)} (the server timeout plus 30 s). ` +
              'Narrow the query or raise the query timeout.',
          )
        : fail('cancelled', 'Cancelled', 'The request was cancelled.');

    let retries = 0;
    let refreshedAfter401 = false;
    try {
      for (;;) {
        currentToken = await this.getToken(clusterUrl, refreshedAfter401, controller.signal, abortedError);
        let response: Dispatcher.ResponseData;
        try {
          sent = true;
          response = await httpRequest(url, {
            method: 'POST',
            dispatcher: this.dispatcher,
            signal: controller.signal,
            headersTimeout: clientTimeoutMs,
            bodyTimeout: clientTimeoutMs,
            headers: {
              authorization: `Bearer ${currentToken}`,
              'x-ms-client-request-id': clientRequestId,
              'x-ms-app': asciiHeader(this.options.application),
              'x-ms-client-version': asciiHeader(this.options.clientVersion),
              accept: 'application/json',
              'accept-encoding': 'gzip, deflate',
              'content-type': 'application/json; charset=utf-8',
            },
            body,
          });
        } catch (error) {
          if (controller.signal.aborted) {
            throw abortedError();
          }
          if (isResetBeforeResponse(error) && isCommand && !isReadOnlyCommand(request.text)) {
            // The command may have reached the cluster and run: sending it again could run it twice.
            throw fail(
              'network',
              'ConnectionDropped',
              `The connection to ${clusterUrl} dropped before the cluster answered; the command may or may not have run. ` +
                'It was not sent again: check its effect (for example with a .show command) before running it again.',
              { cause: error },
            );
          }
          if (isResetBeforeResponse(error) && retries < this.maxRetries) {
            retries++;
            await this.sleep(this.backoffMs(retries), controller.signal, abortedError);
            continue;
          }
          throw this.connectionError(context, error, retries);
        }

        const status = response.statusCode;
        if (status === 200) {
          return await this.readResults(context, request, response, isCommand, controller.signal, abortedError, startedAt);
        }
        const errorBody = await readErrorBodyText(response.body, response.headers['content-encoding']);
        if (controller.signal.aborted) {
          throw abortedError();
        }
        const bodyText = errorBody.text;
        const bodyJson = tryParseJson(bodyText);
        const info = bodyJson === undefined ? undefined : readOneApiError(bodyJson);
        const serverMessage =
          info?.message !== undefined
            ? `${info.message}${errorBody.invalidUtf8 ? ` (${INVALID_UTF8_NOTE})` : ''}`
            : nonKustoBodyMessage(errorBody, response.headers['content-type']);

        if (status === 401) {
          if (!refreshedAfter401) {
            refreshedAfter401 = true;
            continue;
          }
          const reason = unauthorizedReason(headerText(response.headers['www-authenticate']), info, serverMessage ?? '');
          throw fail('auth', info?.code ?? 'Unauthorized', `The cluster rejected the token (401): ${trimSentence(reason)}. Sign in to ${clusterUrl} again.`, {
            httpStatus: status,
          });
        }
        if (status === 429 || status === 503) {
          const retryAfterMs = parseRetryAfterMs(response.headers['retry-after']);
          if (retries < this.maxRetries && (retryAfterMs === undefined || retryAfterMs <= this.maxRetryDelayMs)) {
            retries++;
            await this.sleep(retryAfterMs !== undefined ? retryAfterMs + this.jitterMs(retryAfterMs) : this.backoffMs(retries), controller.signal, abortedError);
            continue;
          }
          const when = retryAfterMs !== undefined ? `try again in ${formatDuration(retryAfterMs)}` : 'try again later';
          const tried = `retried ${retries} time${retries === 1 ? '' : 's'}`;
          const what = status === 429 ? 'Too many requests (429)' : `The cluster ${clusterUrl} is unavailable (503)`;
          throw fail(status === 429 ? 'throttled' : 'server', info?.code ?? (status === 429 ? 'TooManyRequests' : 'ServiceUnavailable'), `${what}; ${tried}; ${when}.`, {
            httpStatus: status,
            retryAfterMs,
          });
        }
        throw this.statusError(context, status, info, serverMessage, bodyJson, response.headers);
      }
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private requestBody(request: KustoRequest, serverTimeoutMs: number): Record<string, unknown> {
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

  private async getToken(
    clusterUrl: string,
    forceRefresh: boolean,
    signal: AbortSignal,
    abortedError: () => KustoRequestError,
  ): Promise<string> {
    // SignInRequiredError and other token-source errors pass through unchanged; only an abort is ours.
    const token = await raceAbort(this.options.tokenSource.getToken(clusterUrl, { forceRefresh, signal }), signal, { error: abortedError });
    if (typeof token !== 'string' || token === '') {
      throw new TypeError(`The token source returned no access token for ${clusterUrl}.`);
    }
    return token;
  }

  /**
   * Sends `.cancel query "<id>"` to the cluster's management endpoint (own token, own request id), so a query
   * the user cancelled stops using the cluster. Best effort: the outcome goes to `report`, never thrown.
   */
  private cancelOnServer(clusterUrl: string, database: string, clientRequestId: string, report: ((outcome: ServerCancelOutcome) => void) | undefined): void {
    void this.cancelQuery({ clusterUrl, database, clientRequestId }).then((outcome) => {
      try {
        report?.(outcome);
      } catch {
        // A failing listener must not surface as an unhandled rejection.
      }
    });
  }

  /** Asks the cluster to stop the query sent with `clientRequestId`; resolves with what the cluster said. */
  async cancelQuery(target: { clusterUrl: string; database: string; clientRequestId: string }): Promise<ServerCancelOutcome> {
    const controller = new AbortController();
    this.pendingCancels.add(controller);
    try {
      const response = await this.execute({
        signal: controller.signal,
        clusterUrl: target.clusterUrl,
        database: target.database,
        text: cancelQueryCommand(target.clientRequestId),
        requestKind: 'CancelQuery',
        serverTimeoutMs: CANCEL_TIMEOUT_MS,
      });
      return readCancelOutcome(target.clientRequestId, response);
    } catch (error) {
      return {
        status: 'failed',
        clientRequestId: target.clientRequestId,
        message: error instanceof Error ? error.message : String(error),
        ...(error instanceof KustoRequestError ? { code: error.code } : {}),
      };
    } finally {
      this.pendingCancels.delete(controller);
    }
  }

  private async readResults(
    context: AttemptContext,
    request: KustoRequest,
    response: Dispatcher.ResponseData,
    isCommand: boolean,
    signal: AbortSignal,
    abortedError: () => KustoRequestError,
    startedAt: number,
  ): Promise<KustoResponse> {
    const onProgress = request.onProgress;
    const onPrimaryRows = request.onPrimaryRows;
    let rowsArrived = false;
    let primaryRowsShown = 0;
    const parser = new KustoResponseParser({
      onRowsReceived:
        onProgress || onPrimaryRows
          ? (rowsReceived) => {
              rowsArrived = true;
              try {
                onProgress?.({ rowsReceived });
              } catch {
                // A failing progress listener must not fail the request.
              }
            }
          : undefined,
    });
    const reportPrimaryRows = (): void => {
      rowsArrived = false;
      const table = parser.primarySoFar();
      if (!table || table.rows.length <= primaryRowsShown) return;
      primaryRowsShown = table.rows.length;
      try {
        onPrimaryRows!(table);
      } catch {
        // A failing listener must not fail the request.
      }
    };
    const encoding = contentEncoding(response.headers['content-encoding']);
    const maxResponseBytes = request.maxResponseBytes ?? this.maxResponseBytes;
    let source: AsyncIterable<Buffer> & Readable;
    try {
      source = decodedBody(response.body, encoding, maxResponseBytes);
    } catch (error) {
      response.body.destroy();
      if (!(error instanceof UnsupportedEncodingError)) {
        throw error;
      }
      throw this.error(context, {
        kind: 'malformedResponse',
        code: 'MalformedResponse',
        message: `The response from ${context.clusterUrl} uses an unsupported content encoding "${error.encoding}".`,
        httpStatus: 200,
      });
    }
    // A query may lift or set the limit itself (`set notruncation;`): the server follows its text, and so must we.
    const rowLimit = isCommand ? request.resultRowLimit : effectiveRowLimit(request.text, request.resultRowLimit);
    const tooManyRows = (rows: number): KustoRequestError =>
      this.error(context, {
        kind: 'server',
        code: 'RowLimitExceeded',
        message:
          `The cluster ${context.clusterUrl} sent more than ${rowLimit} rows in one table, the limit this request asked for ` +
          `(truncationmaxrecords; received ${rows}). The rest was not read. Raise the setting kusto.query.resultRowLimit, or narrow the query (take, summarize).`,
        httpStatus: 200,
      });
    let completed = false;
    try {
      for await (const chunk of source) {
        parser.push(chunk);
        if (rowLimit !== undefined && parser.rowsInCurrentTable > rowLimit) {
          throw tooManyRows(parser.rowsInCurrentTable);
        }
        if (rowsArrived && onPrimaryRows) reportPrimaryRows();
      }
      const parsed = parser.finish();
      const oversized = rowLimit === undefined ? undefined : parsed.tables.find((table) => table.rows.length > rowLimit);
      if (oversized) {
        throw tooManyRows(oversized.rows.length);
      }
      completed = true;
      return {
        endpoint: isCommand ? 'mgmt' : 'query',
        clientRequestId: context.clientRequestId,
        primaryResults: parsed.tables.filter((table) => table.kind === 'PrimaryResult'),
        allTables: parsed.tables,
        ...(parsed.statistics ? { statistics: parsed.statistics } : {}),
        ...(parsed.visualization ? { visualization: parsed.visualization } : {}),
        partialErrors: parsed.partialErrors,
        elapsedMs: performance.now() - startedAt,
      };
    } catch (error) {
      if (signal.aborted) {
        throw abortedError();
      }
      if (error instanceof KustoRequestError) {
        throw error;
      }
      if (error instanceof ResponseTooLargeError) {
        throw this.error(context, {
          kind: 'server',
          code: 'ResponseTooLarge',
          message:
            `The response from ${context.clusterUrl} is larger than ${formatByteCount(maxResponseBytes)} after decompression, the limit of ` +
            `setting kusto.query.maxResponseMegabytes. The rest was not read. Narrow the query (fewer rows or columns), or raise the setting.`,
          httpStatus: 200,
        });
      }
      if (error instanceof KustoResponseFormatError) {
        throw this.error(context, {
          kind: 'malformedResponse',
          code: 'MalformedResponse',
          message: `The response from ${context.clusterUrl} is not valid Kusto JSON at byte ${error.byteOffset} (${error.reason}).`,
          httpStatus: 200,
        });
      }
      if (error instanceof KustoBodyError) {
        throw this.error(context, {
          kind: error.isQueryError ? 'query' : 'server',
          code: error.info.code,
          message: error.info.message,
          position: error.info.position,
          httpStatus: 200,
        });
      }
      if (isDecompressionError(error)) {
        throw this.error(context, {
          kind: 'malformedResponse',
          code: 'MalformedResponse',
          message: `The response from ${context.clusterUrl} could not be decompressed (${errorCode(error)}) after ${formatByteCount(parser.bytesReceived)}.`,
          httpStatus: 200,
        });
      }
      const code = errorCode(error);
      if (code === 'UND_ERR_BODY_TIMEOUT') {
        throw this.error(context, {
          kind: 'timeout',
          code: 'ClientTimeout',
          message: `The cluster ${context.clusterUrl} stopped sending the response (received ${formatByteCount(parser.bytesReceived)}).`,
          httpStatus: 200,
        });
      }
      throw this.error(context, {
        kind: 'network',
        code: 'ConnectionClosed',
        message: `The connection to ${context.clusterUrl} was closed before the response was complete (received ${formatByteCount(parser.bytesReceived)}).`,
        httpStatus: 200,
        cause: error,
      });
    } finally {
      if (!completed) {
        response.body.destroy();
        if (source !== response.body) {
          (source as unknown as Readable).destroy();
        }
      }
    }
  }

  private statusError(
    context: AttemptContext,
    status: number,
    info: KustoErrorInfo | undefined,
    serverMessage: string | undefined,
    bodyJson: unknown,
    headers: Dispatcher.ResponseData['headers'],
  ): KustoRequestError {
    const detail = serverMessage ? `: ${trimSentence(serverMessage)}` : '';
    const base = { httpStatus: status, position: info?.position };
    if (status === 400) {
      return this.error(context, {
        kind: 'query',
        code: info?.code ?? 'BadRequest',
        message: serverMessage ?? `The cluster ${context.clusterUrl} rejected the request (400).`,
        ...base,
      });
    }
    if (status === 403) {
      return this.error(context, {
        kind: 'forbidden',
        code: info?.code ?? 'Forbidden',
        message: `Access denied (403)${detail}. Ask an admin of the database for access, or sign in with another account.`,
        ...base,
      });
    }
    if (status === 404) {
      return this.error(context, { kind: 'notFound', code: info?.code ?? 'NotFound', message: `Not found (404) on ${context.clusterUrl}${detail}.`, ...base });
    }
    if (status === 504) {
      return this.error(context, {
        kind: 'timeout',
        code: info?.code ?? 'GatewayTimeout',
        message: `The cluster ${context.clusterUrl} timed out the request (504)${detail}. Narrow the query or raise the query timeout.`,
        ...base,
      });
    }
    if (status >= 300 && status < 400) {
      const location = headerText(headers.location);
      return this.error(context, {
        kind: 'server',
        code: 'Redirect',
        message: `The cluster ${context.clusterUrl} answered with a redirect (${status})${location ? ` to ${location}` : ''}; it is not followed, so the token stays with ${context.clusterUrl}. Check the cluster URL.`,
        httpStatus: status,
      });
    }
    if (status >= 400 && status < 500) {
      const queryError = bodyJson !== undefined && info !== undefined && isQueryError(bodyJson, info);
      return this.error(context, {
        kind: queryError ? 'query' : 'server',
        code: info?.code ?? `Http${status}`,
        message: `The cluster ${context.clusterUrl} rejected the request (${status})${detail}.`,
        ...base,
      });
    }
    return this.error(context, {
      kind: 'server',
      code: info?.code ?? `Http${status}`,
      message: `The cluster ${context.clusterUrl} failed to run the request (${status})${detail}.`,
      ...base,
    });
  }

  private connectionError(context: AttemptContext, error: unknown, retries: number): KustoRequestError {
    const code = errorCode(error) ?? 'NetworkError';
    const tried = retries > 0 ? ` (retried ${retries} time${retries === 1 ? '' : 's'})` : '';
    let reason: string;
    switch (code) {
      case 'ECONNREFUSED':
        reason = 'the connection was refused';
        break;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        reason = 'the host name could not be resolved';
        break;
      case 'UND_ERR_CONNECT_TIMEOUT':
        reason = 'connecting timed out';
        break;
      case 'UND_ERR_HEADERS_TIMEOUT':
        return this.error(context, {
          kind: 'timeout',
          code: 'ClientTimeout',
          message: `The cluster ${context.clusterUrl} did not answer in time${tried}.`,
          cause: error,
        });
      case 'ECONNRESET':
      case 'UND_ERR_SOCKET':
      case 'EPIPE':
      case 'UND_ERR_CLOSED':
        reason = 'the connection was closed before any response';
        break;
      default:
        reason = error instanceof Error && error.message ? error.message : 'the request failed';
    }
    return this.error(context, {
      kind: 'network',
      code,
      message: `Could not reach ${context.clusterUrl}: ${reason}${tried}. Check the cluster URL and your network connection.`,
      cause: error,
    });
  }

  /** Builds the error, making sure no token text can appear in its message. */
  private error(context: AttemptContext, details: Omit<ConstructorParameters<typeof KustoRequestError>[0], 'clusterUrl' | 'clientRequestId'>): KustoRequestError {
    const token = context.token();
    const message = token && token.length >= 8 ? details.message.split(token).join('[token]') : details.message;
    return new KustoRequestError({ ...details, message, clusterUrl: context.clusterUrl, clientRequestId: context.clientRequestId });
  }

  private backoffMs(retry: number): number {
    const exponential = Math.min(this.maxRetryDelayMs, this.retryBaseDelayMs * 2 ** (retry - 1));
    return Math.min(this.maxRetryDelayMs, exponential + Math.random() * this.retryBaseDelayMs);
  }

  /** A little jitter on top of Retry-After, so clients told the same time do not all come back at once. */
  private jitterMs(retryAfterMs: number): number {
    return Math.random() * Math.min(250, retryAfterMs * 0.1);
  }

  private sleep(milliseconds: number, signal: AbortSignal, abortedError: () => KustoRequestError): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(abortedError());
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortedError());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, milliseconds);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

const INVALID_UTF8_NOTE = 'the error body is not valid UTF-8: the bytes that are not were replaced by \uFFFD';

/** What an error body that is not Kusto JSON says: a gateway's HTML page as a text extract, bytes that are not UTF-8 named. */
function nonKustoBodyMessage(body: { text: string; invalidUtf8: boolean; unreadable?: string }, contentType: string | string[] | undefined): string | undefined {
  const parts: string[] = [];
  const text = body.text.trim();
  if (text) {
    parts.push(isHtmlBody(text, contentType) ? `an HTML page: "${htmlTextExtract(text)}"` : plainTextExtract(text));
  }
  if (body.invalidUtf8) {
    parts.push('the error body is not valid UTF-8 text (unreadable bytes are shown as \uFFFD)');
  }
  if (body.unreadable) {
    parts.push(`the error body could not be read: ${body.unreadable}`);
  }
  return parts.length ? parts.join('; ') : undefined;
}

function tryParseJson(text: string): unknown {
  if (!text.trim()) {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function trimSentence(text: string): string {
  return text.trim().replace(/[.\s]+$/, '');
}

