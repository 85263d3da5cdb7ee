import { describeError } from './redact';

export type DeviceCodeFailureReason = 'cancelled' | 'declined' | 'expired' | 'failed';

/** How a sign-in (any way) ended without a token. `wrongTenant`: the account is not a member of the tenant asked for. */
export type SignInFailureReason = DeviceCodeFailureReason | 'wrongTenant' | 'unavailable';

/** A sign-in that ended without a token; the message is ready to show to the user and says what to do. */
export class SignInError extends Error {
  constructor(readonly reason: SignInFailureReason, message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

/** A device code sign-in that ended without a token (kept as its own class: callers test for it). */
export class DeviceCodeSignInError extends SignInError {
  constructor(readonly reason: SignInFailureReason, message: string) {
    super(reason, message);
    this.name = 'DeviceCodeSignInError';
  }
}

/** Where a sign-in was attempted, so messages can name the tenant and cluster. */
export interface SignInContext {
  readonly clusterUrl: string;
  /** The tenant of the authority (organizations, a tenant id or a domain). */
  readonly tenant?: string;
}

/**
 * Azure AD errors a user can act on, in words: what happened and what to do. Undefined for anything else.
 * Codes: https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */
export function explainAadError(error: unknown, context: SignInContext): { reason: SignInFailureReason; message: string } | undefined {
  const text = errorText(error);
  const tenant = context.tenant ?? 'the chosen tenant';
  if (/AADSTS50020\b/.test(text)) {
    const account = /User account '([^']+)'/.exec(text)?.[1];
    return {
      reason: 'wrongTenant',
      message:
        `${account ? `The account ${account}` : 'The account'} is not a member of tenant ${tenant} (AADSTS50020), so it cannot get a token for ${context.clusterUrl}. ` +
        `Sign in with an account of that tenant, ask the tenant's administrator to invite your account as a guest, ` +
        `or choose your own tenant: set "tenant" on the cluster in kusto.clusters, or kusto.signIn.tenant.`,
    };
  }
  if (/AADSTS90002\b/.test(text)) {
    return {
      reason: 'failed',
      message: `The tenant ${tenant} was not found (AADSTS90002). Check the tenant id or domain (cluster "tenant" in kusto.clusters or kusto.signIn.tenant) and that kusto.signIn.authorityHost is the cloud the tenant lives in.`,
    };
  }
  if (/AADSTS7000215\b/.test(text)) {
    return {
      reason: 'failed',
      message: `The service principal's client secret was rejected (AADSTS7000215). Enter the secret's Value (not its Secret ID) from App registrations → Certificates & secrets, and check that it has not expired; then sign in again.`,
    };
  }
  if (/AADSTS700027\b|AADSTS700024\b/.test(text)) {
    return {
      reason: 'failed',
      message: `The service principal's certificate was rejected (${/AADSTS700024/.test(text) ? 'AADSTS700024' : 'AADSTS700027'}). Check that this certificate is uploaded to the app registration and that the machine's clock is right.`,
    };
  }
  if (/AADSTS700016\b/.test(text)) {
    return {
      reason: 'failed',
      message: `The application was not found in tenant ${tenant} (AADSTS700016). Check the client id and the tenant of the service principal.`,
    };
  }
  if (/AADSTS65004\b|access_denied/.test(text)) {
    return { reason: 'declined', message: `Sign-in to ${context.clusterUrl} was declined on the sign-in page. Sign in again to use another account.` };
  }
  return undefined;
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
export function toDeviceCodeSignInError(error: unknown, clusterUrl: string, tenant?: string): DeviceCodeSignInError {
  if (error instanceof DeviceCodeSignInError) {
    return error;
  }
  const text = errorText(error);
  const explained = /AADSTS50020|AADSTS90002/.test(text) ? explainAadError(error, { clusterUrl, tenant }) : undefined;
  if (explained) {
    return new DeviceCodeSignInError(explained.reason, explained.message);
  }
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
  const text = errorText(error);
  const described = describeSilentFailureWithoutCode(error, text);
  // The AADSTS code is what a user (or their administrator) searches for: keep it in the words.
  const aadCode = /AADSTS\d+/.exec(text)?.[0];
  return aadCode && !described.includes(aadCode) ? `${described} (${aadCode})` : described;
}

function describeSilentFailureWithoutCode(error: unknown, text: string): string {
  const code = errorCodeOf(error);
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
