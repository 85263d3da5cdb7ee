// Last line of defence for log lines and error messages: whatever an upstream library or server puts into a
// message, nothing that looks like a token leaves this module.

const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const SECRET_FIELD = /("?\b(?:access_token|refresh_token|id_token|device_code|client_secret|secret|assertion|code)"?\s*[:=]\s*"?)([^"&\s,}]{6,})/gi;

/**
 * What a user searches for must stay readable: Azure AD's `AADSTS…` codes and OAuth `error` values
 * (`invalid_grant`, `interaction_required`…) are never secrets, even after a field name such as `code`.
 */
const NOT_A_SECRET = /^(?:AADSTS\d+\b.*|[a-z]+(?:_[a-z]+)+|\d+)$/;

export function redactSecrets(text: string): string {
  return text
    .replace(JWT_LIKE, '[redacted token]')
    .replace(SECRET_FIELD, (match, prefix: string, value: string) => (NOT_A_SECRET.test(value) ? match : `${prefix}[redacted]`));
}

/** A one-line, token-free description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return redactSecrets(error.message || error.name);
  }
  return redactSecrets(String(error));
}
