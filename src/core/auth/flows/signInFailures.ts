// Turns what MSAL throws into errors the user can act on, with the cause noted for that very request
// (requestCauses.ts): the server's own error description, or why the sign-in server could not be reached.

import { DeviceCodeSignInError, SignInError, errorCodeOf, explainAadError } from '../authErrors';
import { describeError } from '../redact';
import type { RequestCauses } from '../requestCauses';

/** MSAL drops the server's error description from some failures: put it back from the request's causes. */
export function withServerError(error: unknown, causes: RequestCauses): unknown {
  const serverError = causes.oauthError;
  if (!serverError || describeError(error).includes(serverError)) {
    return error;
  }
  return Object.assign(new Error(`${describeError(error)} (${serverError})`), { errorCode: errorCodeOf(error) });
}

/** A generic MSAL failure of a device code sign-in gets the network cause behind it, when there is one. */
export function withNetworkCause(failure: DeviceCodeSignInError, causes: RequestCauses): DeviceCodeSignInError {
  const cause = failure.reason === 'failed' ? causes.networkFailure : undefined;
  return cause ? new DeviceCodeSignInError('failed', `${failure.message} — ${cause}`) : failure;
}

/** Turns what MSAL throws from an interactive or app sign-in into a SignInError with a message to act on. */
export function toSignInFailure(error: unknown, clusterUrl: string, tenant: string, causes: RequestCauses): SignInError {
  if (error instanceof SignInError) {
    return error;
  }
  const explained = explainAadError(withServerError(error, causes), { clusterUrl, tenant });
  if (explained) {
    return new SignInError(explained.reason, explained.message);
  }
  if (/user_cancelled|user_canceled/.test(`${errorCodeOf(error) ?? ''} ${describeError(error)}`)) {
    return new SignInError('cancelled', `Sign-in to ${clusterUrl} was cancelled.`);
  }
  return new SignInError('failed', `Sign-in to ${clusterUrl} failed: ${causes.networkFailure ?? describeError(error)}`);
}

/** MSAL's ways of saying that only an interactive sign-in can help. */
export function isSignInRequired(error: unknown): boolean {
  if (!error || typeof error !== 'object') {
    return false;
  }
  if ((error as { name?: unknown }).name === 'InteractionRequiredAuthError') {
    return true;
  }
  const code = errorCodeOf(error);
  return code === 'no_account_in_silent_request' || code === 'no_tokens_found' || code === 'invalid_grant' || code === 'no_account_error';
}
