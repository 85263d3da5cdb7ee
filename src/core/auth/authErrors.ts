import { describeError } from './redact';

export type DeviceCodeFailureReason = 'cancelled' | 'declined' | 'expired' | 'failed';

/** A device code sign-in that ended without a token; the message is ready to show to the user. */
export class DeviceCodeSignInError extends Error {
  constructor(readonly reason: DeviceCodeFailureReason, message: string) {
    super(message);
    this.name = 'DeviceCodeSignInError';
  }
}

interface MsalLikeError {
  errorCode?: unknown;
  errorMessage?: unknown;
  subError?: unknown;
  message?: unknown;
}

function errorText(error: unknown): string {
  if (!error || typeof error !== 'object') {
    return String(error);
  }
  const e = error as MsalLikeError;
  return [e.errorCode, e.subError, e.errorMessage, e.message].filter((part) => typeof part === 'string').join(' ');
}

export function errorCodeOf(error: unknown): string | undefined {
  const code = error && typeof error === 'object' ? (error as MsalLikeError).errorCode : undefined;
  return typeof code === 'string' && code ? code : undefined;
}

/** Maps what MSAL throws from a device code flow to one of the outcomes the user should be told about. */
export function toDeviceCodeSignInError(error: unknown, clusterUrl: string): DeviceCodeSignInError {
  if (error instanceof DeviceCodeSignInError) {
    return error;
  }
  const text = errorText(error);
  if (/device_code_polling_cancelled|user_canceled/.test(text)) {
    return new DeviceCodeSignInError('cancelled', `Sign-in to ${clusterUrl} was cancelled.`);
  }
  if (/access_denied|authorization_declined/.test(text)) {
    return new DeviceCodeSignInError(
      'declined',
      `Sign-in to ${clusterUrl} was declined on the sign-in page. Run "Kusto: Sign In" again to use another account.`,
    );
  }
  if (/expired_token|device_code_expired|code_expired/.test(text)) {
    return new DeviceCodeSignInError(
      'expired',
      `The sign-in code for ${clusterUrl} expired before it was entered. Run "Kusto: Sign In" again for a new code.`,
    );
  }
  return new DeviceCodeSignInError('failed', `Sign-in to ${clusterUrl} failed: ${describeError(error)}`);
}

/** Why a silent token request needs the user, in words (MSAL codes kept in brackets for support). */
export function describeSilentFailure(error: unknown): string {
  const code = errorCodeOf(error);
  const text = errorText(error);
  if (/invalid_grant/.test(text)) {
    return 'the sign-in session expired or was revoked (invalid_grant)';
  }
  switch (code) {
    case 'no_tokens_found':
    case 'refresh_token_expired':
      return `no usable refresh token is stored for this account (${code})`;
    case 'no_account_error':
    case 'no_account_in_silent_request':
      return `the account is no longer signed in (${code})`;
    case 'consent_required':
    case 'interaction_required':
    case 'login_required':
      return `the sign-in service asks the user to sign in again (${code})`;
    default:
      return describeError(error);
  }
}
