// The Kusto REST client: one POST per request to the cluster's own endpoint (queries → /v2/rest/query,
// management commands → /v1/rest/mgmt), a bearer token minted for that cluster only, retries where Kusto says
// they help (429/503 with Retry-After, connection resets before any response byte, one token refresh on 401),
// and the response body parsed as it streams in. No `vscode` import: usable from tests, scripts and servers.

// The request's shape is in kustoRequest.ts, reading a 200 body in readResults.ts, what a failure tells the user in
// requestErrorMessages.ts, retry waits in retryTiming.ts.

import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest, type Dispatcher } from 'undici';
import type { AccessTokenSource } from '../auth/accessTokenSource';
import { raceAbort } from '../abortable';
import { parseClusterUrl } from '../clusterUrl';
import { isManagementCommand, isReadOnlyCommand } from '../kql/commandKind';
import { KustoRequestError, type KustoErrorKind } from './kustoErrors';
import {
  CANCEL_TIMEOUT_MS,
  CLIENT_TIMEOUT_MARGIN_MS,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_QUERY_TIMEOUT_MS,
  requestBody,
  requestHeaders,
  type KustoRequest,
} from './kustoRequest';
import { readResults } from './readResults';
import {
  connectionError,
  formatDuration,
  headerText,
  isResetBeforeResponse,
  readErrorResponse,
  requestError,
  statusError,
  trimSentence,
  unauthorizedReason,
  type AttemptContext,
  type RequestErrorDetails,
} from './requestErrorMessages';
import { DEFAULT_MAX_RESPONSE_MEGABYTES } from './responseBody';
import { backoffMs, jitterMs, parseRetryAfterMs, sleep } from './retryTiming';
import { cancelQueryCommand, readCancelOutcome, type ServerCancelOutcome } from './serverCancel';
import type { KustoResponse } from './resultTypes';

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
    const fail = (kindOfError: KustoErrorKind, code: string, message: string, extra: Partial<RequestErrorDetails> = {}): KustoRequestError =>
      requestError(context, { kind: kindOfError, code, message, ...extra });

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
    const body = JSON.stringify(requestBody(request, serverTimeoutMs));

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
            headers: requestHeaders(currentToken, clientRequestId, this.options),
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
            await sleep(this.backoffMs(retries), controller.signal, abortedError);
            continue;
          }
          throw connectionError(context, error, retries);
        }

        const status = response.statusCode;
        if (status === 200) {
          return await readResults(context, request, response, isCommand, controller.signal, abortedError, startedAt, this.maxResponseBytes);
        }
        const { bodyJson, info, serverMessage } = await readErrorResponse(response);
        if (controller.signal.aborted) {
          throw abortedError();
        }

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
            await sleep(retryAfterMs !== undefined ? retryAfterMs + jitterMs(retryAfterMs) : this.backoffMs(retries), controller.signal, abortedError);
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
        throw statusError(context, status, info, serverMessage, bodyJson, response.headers);
      }
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
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

  private backoffMs(retry: number): number {
    return backoffMs(retry, this.retryBaseDelayMs, this.maxRetryDelayMs);
  }
}
