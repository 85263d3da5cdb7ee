import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { Dispatcher } from 'undici';
import { redactSecrets } from './redact';
import { noteNetworkFailure, noteOAuthError } from './requestCauses';

export interface UndiciNetworkClientOptions {
  /**
   * Extra CA certificates (PEM) to trust besides the system ones. The extension host normally gets these from
   * NODE_EXTRA_CA_CERTS, which Node's TLS (and so undici) honours already; this option is for a process that
   * was started without it (tests).
   */
  readonly extraCaCertificates?: readonly string[];
  /** Per-request timeout when MSAL gives none. */
  readonly defaultTimeoutMs?: number;
}

/**
 * MSAL's HTTP layer on undici, so sign-in and Kusto requests share one HTTP stack (same TLS trust, same
 * proxies). undici is loaded on first use, never at extension activation. The cause of a failure (which MSAL
 * replaces by a generic code) is noted for the request it belongs to, see requestCauses.ts.
 */
export class UndiciNetworkClient implements INetworkModule {
  private dispatcher: Promise<Dispatcher | undefined> | undefined;

  constructor(private readonly options: UndiciNetworkClientOptions = {}) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options, undefined);
  }

  async close(): Promise<void> {
    const dispatcher = await this.dispatcher;
    this.dispatcher = undefined;
    await dispatcher?.close();
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions | undefined, timeout: number | undefined): Promise<NetworkResponse<T>> {
    const undici = await import('undici');
    const dispatcher = await (this.dispatcher ??= this.createDispatcher());
    const timeoutMs = timeout && timeout > 0 ? timeout : this.options.defaultTimeoutMs ?? 60_000;
    const where = describeEndpoint(url);
    let response: Dispatcher.ResponseData;
    try {
      response = await undici.request(url, {
        method,
        headers: options?.headers,
        body: method === 'POST' ? options?.body ?? '' : undefined,
        dispatcher,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // The cause (DNS, TLS trust, refused connection) is what the user can act on; the URL has no secrets.
      const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      const hint = /certificate|self.signed|CERT_/i.test(cause)
        ? ' If the sign-in server uses a private certificate authority, start VS Code with NODE_EXTRA_CA_CERTS set to its CA certificate file.'
        : '';
      const message = `Could not reach the sign-in server (${method} ${where}): ${cause}.${hint}`;
      noteNetworkFailure(message); // for the request this call belongs to (requestCauses.ts)
      throw new Error(message);
    }
    const text = await response.body.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new Error(`The sign-in server answered ${method} ${where} with HTTP ${response.statusCode} and a body that is not JSON.`);
    }
    this.recordOAuthError(response.statusCode, body);
    return { status: response.statusCode, headers: flattenHeaders(response.headers), body: body as T };
  }

  private recordOAuthError(status: number, body: unknown): void {
    if (status < 400 || !body || typeof body !== 'object') {
      return;
    }
    const { error, error_description: description } = body as { error?: unknown; error_description?: unknown };
    if (typeof error !== 'string' || error === 'authorization_pending' || error === 'slow_down') {
      return;
    }
    // Azure AD appends trace and correlation ids to the description: keep the sentence the user can act on.
    const text = typeof description === 'string' ? description.split(/\s+Trace ID:/)[0].trim() : '';
    noteOAuthError(redactSecrets(text ? `${error}: ${text}` : error));
  }

  private async createDispatcher(): Promise<Dispatcher | undefined> {
    const extra = this.options.extraCaCertificates ?? [];
    if (extra.length === 0) {
      return undefined; // undici's global dispatcher: system CAs plus NODE_EXTRA_CA_CERTS
    }
    const [{ Agent }, tls] = await Promise.all([import('undici'), import('node:tls')]);
    return new Agent({ connect: { ca: [...tls.rootCertificates, ...extra] } });
  }
}

function describeEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`; // no query string: it may carry request parameters
  } catch {
    return 'an invalid URL';
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) {
      flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return flat;
}
