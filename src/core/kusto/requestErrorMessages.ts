// How a failed Kusto request is told to the user: an HTTP status, a connection that broke, an error body that is
// Kusto JSON, a gateway's HTML page or bytes that are not UTF-8, each turned into one KustoRequestError with a
// message to act on. Every error is built through `requestError`, which keeps token text out of its message.

import type { Dispatcher } from 'undici';
import { KustoRequestError, type KustoRequestErrorDetails } from './kustoErrors';
import { isQueryError, readOneApiError } from './oneApiErrors';
import { htmlTextExtract, isHtmlBody, plainTextExtract, readErrorBodyText } from './responseBody';
import type { KustoErrorInfo } from './resultTypes';

/** What every error of one request names: its cluster and client request id; the token it sent is kept out of messages. */
export interface AttemptContext {
  readonly clusterUrl: string;
  readonly clientRequestId: string;
  readonly token: () => string | undefined;
}

export type RequestErrorDetails = Omit<KustoRequestErrorDetails, 'clusterUrl' | 'clientRequestId'>;

/** Builds the error, making sure no token text can appear in its message. */
export function requestError(context: AttemptContext, details: RequestErrorDetails): KustoRequestError {
  const token = context.token();
  const message = token && token.length >= 8 ? details.message.split(token).join('[token]') : details.message;
  return new KustoRequestError({ ...details, message, clusterUrl: context.clusterUrl, clientRequestId: context.clientRequestId });
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

export function formatDuration(milliseconds: number): string {
  const seconds = Math.ceil(milliseconds / 1000);
  if (seconds < 120) {
    return `${seconds} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
}

export function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Errors that mean the connection broke before the server said anything: safe to send again. */
export function isResetBeforeResponse(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED';
}

export function isDecompressionError(error: unknown): boolean {
  const code = errorCode(error);
  return typeof code === 'string' && code.startsWith('Z_');
}

/** The reason a 401 gives: WWW-Authenticate error_description, else the Kusto error message, else the body. */
export function unauthorizedReason(wwwAuthenticate: string | undefined, info: KustoErrorInfo | undefined, bodyText: string): string {
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

/** A non-200 answer's body, read: its JSON (when it is JSON), the Kusto error in it, and what it says in words. */
export interface ErrorResponse {
  readonly bodyJson: unknown;
  readonly info: KustoErrorInfo | undefined;
  readonly serverMessage: string | undefined;
}

/** Reads the body of a non-200 answer (decoded by its Content-Encoding like any body). */
export async function readErrorResponse(response: Dispatcher.ResponseData): Promise<ErrorResponse> {
  const errorBody = await readErrorBodyText(response.body, response.headers['content-encoding']);
  const bodyText = errorBody.text;
  const bodyJson = tryParseJson(bodyText);
  const info = bodyJson === undefined ? undefined : readOneApiError(bodyJson);
  const serverMessage =
    info?.message !== undefined
      ? `${info.message}${errorBody.invalidUtf8 ? ` (${INVALID_UTF8_NOTE})` : ''}`
      : nonKustoBodyMessage(errorBody, response.headers['content-type']);
  return { bodyJson, info, serverMessage };
}

export function statusError(
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
    return requestError(context, {
      kind: 'query',
      code: info?.code ?? 'BadRequest',
      message: serverMessage ?? `The cluster ${context.clusterUrl} rejected the request (400).`,
      ...base,
    });
  }
  if (status === 403) {
    return requestError(context, {
      kind: 'forbidden',
      code: info?.code ?? 'Forbidden',
      message: `Access denied (403)${detail}. Ask an admin of the database for access, or sign in with another account.`,
      ...base,
    });
  }
  if (status === 404) {
    return requestError(context, { kind: 'notFound', code: info?.code ?? 'NotFound', message: `Not found (404) on ${context.clusterUrl}${detail}.`, ...base });
  }
  if (status === 504) {
    return requestError(context, {
      kind: 'timeout',
      code: info?.code ?? 'GatewayTimeout',
      message: `The cluster ${context.clusterUrl} timed out the request (504)${detail}. Narrow the query or raise the query timeout.`,
      ...base,
    });
  }
  if (status >= 300 && status < 400) {
    const location = headerText(headers.location);
    return requestError(context, {
      kind: 'server',
      code: 'Redirect',
      message: `The cluster ${context.clusterUrl} answered with a redirect (${status})${location ? ` to ${location}` : ''}; it is not followed, so the token stays with ${context.clusterUrl}. Check the cluster URL.`,
      httpStatus: status,
    });
  }
  if (status >= 400 && status < 500) {
    const queryError = bodyJson !== undefined && info !== undefined && isQueryError(bodyJson, info);
    return requestError(context, {
      kind: queryError ? 'query' : 'server',
      code: info?.code ?? `Http${status}`,
      message: `The cluster ${context.clusterUrl} rejected the request (${status})${detail}.`,
      ...base,
    });
  }
  return requestError(context, {
    kind: 'server',
    code: info?.code ?? `Http${status}`,
    message: `The cluster ${context.clusterUrl} failed to run the request (${status})${detail}.`,
    ...base,
  });
}

export function connectionError(context: AttemptContext, error: unknown, retries: number): KustoRequestError {
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
      return requestError(context, {
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
  return requestError(context, {
    kind: 'network',
    code,
    message: `Could not reach ${context.clusterUrl}: ${reason}${tried}. Check the cluster URL and your network connection.`,
    cause: error,
  });
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

export function trimSentence(text: string): string {
  return text.trim().replace(/[.\s]+$/, '');
}
