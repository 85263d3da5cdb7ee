/** The error every cancelled wait rejects with, unless the caller names its own. */
export function abortError(): Error {
  const error = new Error('The request was cancelled.');
  error.name = 'AbortError';
  return error;
}

export interface RaceAbortOptions {
  /** The error to reject with when the signal fires (default: an `AbortError`). */
  readonly error?: () => Error;
  /** Called once when the signal wins, to stop the work behind the promise (e.g. close a loopback server). */
  readonly onAbort?: () => void;
}

/**
 * Settles with `promise`, or rejects as soon as `signal` fires. The work behind the promise is not stopped by this
 * (that is `onAbort`'s job); a late rejection of it is swallowed so it never surfaces as an unhandled rejection.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, options: RaceAbortOptions = {}): Promise<T> {
  if (!signal) {
    return promise;
  }
  const rejection = options.error ?? abortError;
  if (signal.aborted) {
    promise.catch(() => undefined);
    options.onAbort?.();
    return Promise.reject(rejection());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => undefined);
      options.onAbort?.();
      reject(rejection());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
