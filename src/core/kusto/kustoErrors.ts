// Every failure of a Kusto request surfaces as one KustoRequestError: a kind the UI can act on (sign in again,
// fix the query, retry later), the server's code and message, and the client request id for support.
// Messages are written for the user and never contain token text.

import type { KustoErrorInfo } from './resultTypes';

export type KustoErrorKind =
  | 'query'
  | 'auth'
  | 'forbidden'
  | 'throttled'
  | 'server'
  | 'network'
  | 'malformedResponse'
  | 'cancelled'
  | 'timeout'
  | 'notFound';

export interface KustoRequestErrorDetails {
  readonly kind: KustoErrorKind;
  readonly message: string;
  readonly code: string;
  readonly clientRequestId: string;
  readonly clusterUrl: string;
  readonly httpStatus?: number;
  readonly position?: { readonly line: number; readonly column: number };
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

export class KustoRequestError extends Error {
  readonly kind: KustoErrorKind;
  readonly httpStatus?: number;
  readonly code: string;
  readonly clientRequestId: string;
  /** Where in the query text the error is, with the numbers Kusto reported (`[line:position=L:P]`). */
  readonly position?: { readonly line: number; readonly column: number };
  readonly retryAfterMs?: number;
  readonly clusterUrl: string;

  constructor(details: KustoRequestErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'KustoRequestError';
    this.kind = details.kind;
    this.httpStatus = details.httpStatus;
    this.code = details.code;
    this.clientRequestId = details.clientRequestId;
    this.position = details.position;
    this.retryAfterMs = details.retryAfterMs;
    this.clusterUrl = details.clusterUrl;
  }

  toErrorInfo(): KustoErrorInfo {
    return {
      code: this.code,
      message: this.message,
      ...(this.position ? { position: this.position } : {}),
      clientRequestId: this.clientRequestId,
      ...(this.httpStatus !== undefined ? { httpStatus: this.httpStatus } : {}),
    };
  }
}

/** The body of a 200 response broke the Kusto JSON format; `byteOffset` is where the parser noticed. */
export class KustoResponseFormatError extends Error {
  constructor(readonly byteOffset: number, readonly reason: string) {
    super(`not valid Kusto JSON at byte ${byteOffset}: ${reason}`);
    this.name = 'KustoResponseFormatError';
  }
}

/** A 200 response whose body is a OneApi error object instead of results (the request failed after all). */
export class KustoBodyError extends Error {
  constructor(readonly info: KustoErrorInfo, readonly isQueryError: boolean) {
    super(info.message);
    this.name = 'KustoBodyError';
  }
}

/** The reason of a JSON.parse SyntaxError, short and without the row data V8 quotes. */
export function syntaxReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cut = message.replace(/, "[\s\S]*" is not valid JSON$/, '').replace(/ in JSON at position \d+.*$/, '');
  return cut.length > 120 ? `${cut.slice(0, 117)}...` : cut;
}
