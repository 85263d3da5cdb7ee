// Turns whatever a query run threw into what the user should see: nothing (they cancelled), a sign-in prompt,
// or an error for the results panel with the position also mapped into the document. Pure: no vscode.

import { errorPositionInDocument, type QueryBlock, type TextPosition } from './queryBlocks';

/** Same shape as the results panel's ErrorDisplay (position as Kusto reports it, in the query text). */
export interface RunErrorDisplay {
  readonly code?: string;
  readonly message: string;
  readonly position?: { readonly line: number; readonly column: number };
  readonly clientRequestId?: string;
  readonly httpStatus?: number;
}

export type RunErrorOutcome =
  | { readonly kind: 'cancelled'; readonly display: RunErrorDisplay }
  | { readonly kind: 'signInRequired'; readonly clusterUrl: string; readonly display: RunErrorDisplay }
  | { readonly kind: 'failed'; readonly display: RunErrorDisplay; readonly documentPosition?: TextPosition };

interface KustoErrorLike {
  readonly name: string;
  readonly message: string;
  readonly kind: string;
  readonly code?: string;
  readonly clientRequestId?: string;
  readonly httpStatus?: number;
  readonly position?: { readonly line: number; readonly column: number };
}

function isKustoRequestError(error: unknown): error is KustoErrorLike {
  return error instanceof Error && error.name === 'KustoRequestError' && typeof (error as { kind?: unknown }).kind === 'string';
}

function isSignInRequired(error: unknown): error is Error & { clusterUrl?: string } {
  return error instanceof Error && error.name === 'SignInRequiredError';
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

export function classifyRunError(
  error: unknown,
  run: { readonly clusterUrl: string; readonly block: QueryBlock; readonly aborted: boolean },
): RunErrorOutcome {
  if (run.aborted || isAbort(error) || (isKustoRequestError(error) && error.kind === 'cancelled')) {
    return { kind: 'cancelled', display: { message: 'The query was cancelled.' } };
  }
  const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
  if (isSignInRequired(error) || isSignInRequired(cause)) {
    const signInError = (isSignInRequired(error) ? error : cause) as Error;
    return {
      kind: 'signInRequired',
      clusterUrl: run.clusterUrl,
      display: { code: 'SignInRequired', message: signInError.message },
    };
  }
  if (isKustoRequestError(error)) {
    const display: RunErrorDisplay = {
      code: error.code || undefined,
      message: error.message,
      ...(error.position ? { position: error.position } : {}),
      ...(error.clientRequestId ? { clientRequestId: error.clientRequestId } : {}),
      ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
    };
    if (error.kind === 'auth') {
      return { kind: 'signInRequired', clusterUrl: run.clusterUrl, display };
    }
    return {
      kind: 'failed',
      display,
      ...(error.position ? { documentPosition: errorPositionInDocument(run.block, error.position) } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'failed', display: { message: message || 'The query failed for an unknown reason.' } };
}
