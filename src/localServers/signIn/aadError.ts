// Errors in the body shape Azure AD v2 uses, so MSAL and our own code see what they would see in production.

import { randomUUID } from 'node:crypto';

export interface AadErrorBody {
  readonly error: string;
  readonly error_description: string;
  readonly error_codes: number[];
  readonly timestamp: string;
  readonly trace_id: string;
  readonly correlation_id: string;
  readonly error_uri: string;
  readonly suberror?: string;
}

/** An OAuth error to answer with; `aadstsCode` is the AADSTS number Azure AD uses for the same situation. */
export class AadError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadstsCode: number,
    readonly description: string,
    /** Azure AD's `suberror`, e.g. "bad_token" for a refresh token that can no longer be used. */
    readonly subError?: string,
  ) {
    super(`${error}: AADSTS${aadstsCode}: ${description}`);
    this.name = 'AadError';
  }

  toBody(origin: string, correlationId: string | undefined): AadErrorBody {
    const traceId = randomUUID();
    const now = new Date();
    // Azure AD appends trace, correlation and timestamp lines to every description.
    const timestamp = `${now.toISOString().slice(0, 19).replace('T', ' ')}Z`;
    const correlation = correlationId && /^[0-9a-f-]{36}$/i.test(correlationId) ? correlationId : randomUUID();
    return {
      error: this.error,
      error_description: `AADSTS${this.aadstsCode}: ${this.description} Trace ID: ${traceId} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
      error_codes: [this.aadstsCode],
      timestamp,
      trace_id: traceId,
      correlation_id: correlation,
      error_uri: `${origin}/error?code=${this.aadstsCode}`,
      ...(this.subError ? { suberror: this.subError } : {}),
    };
  }
}

export function missingParameter(name: string): AadError {
  return new AadError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
}
