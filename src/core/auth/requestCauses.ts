// MSAL turns a network failure into a generic error code (endpoints_resolution_error, post_request_failed), and
// drops the sign-in server's own error description from some failures. The network client notes the real cause
// here, in the record of the request it belongs to (AsyncLocalStorage follows MSAL's awaits and timers), so two
// requests at once never read each other's cause.

import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestCauses {
  /** Why the sign-in server could not be reached (DNS, TLS trust, refused connection). */
  networkFailure?: string;
  /** The server's OAuth error and description, e.g. "invalid_grant: AADSTS50020: User account … does not exist". */
  oauthError?: string;
}

const current = new AsyncLocalStorage<RequestCauses>();

/** Runs one request with its own record of causes; `work` reads the record when MSAL fails. */
export function withRequestCauses<T>(work: (causes: RequestCauses) => Promise<T>): Promise<T> {
  const causes: RequestCauses = {};
  return current.run(causes, () => work(causes));
}

export function noteNetworkFailure(message: string): void {
  const causes = current.getStore();
  if (causes) {
    causes.networkFailure = message;
  }
}

export function noteOAuthError(message: string): void {
  const causes = current.getStore();
  if (causes) {
    causes.oauthError = message;
  }
}
