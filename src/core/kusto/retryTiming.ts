// When to try a throttled, unavailable or reset request again: the server's Retry-After (seconds or an HTTP
// date), else an exponential backoff with jitter; and a wait that ends early, with the request's own error, when
// the request is cancelled.

import type { KustoRequestError } from './kustoErrors';

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

/** The wait before retry number `retry` (1-based) when the server named none: doubling from `baseMs`, jittered, capped. */
export function backoffMs(retry: number, baseMs: number, maxMs: number): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** (retry - 1));
  return Math.min(maxMs, exponential + Math.random() * baseMs);
}

/** A little jitter on top of Retry-After, so clients told the same time do not all come back at once. */
export function jitterMs(retryAfterMs: number): number {
  return Math.random() * Math.min(250, retryAfterMs * 0.1);
}

export function sleep(milliseconds: number, signal: AbortSignal, abortedError: () => KustoRequestError): Promise<void> {
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
