// An MSAL network module (INetworkModule) on undici that trusts one extra CA: how MSAL reaches the local
// sign-in server's self-signed https endpoint without NODE_EXTRA_CA_CERTS. The auth layer builds its own in
// src/core/auth; this one serves the tests and shows the shape.

import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { Agent, request } from 'undici';

export class SignInNetworkClient implements INetworkModule {
  private readonly agent: Agent;

  constructor(caCertificatePem: string) {
    this.agent = new Agent({ connect: { ca: caCertificatePem } });
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    const response = await request(url, {
      method,
      dispatcher: this.agent,
      headers: options?.headers,
      body: method === 'POST' ? options?.body ?? '' : undefined,
      signal: timeout ? AbortSignal.timeout(timeout) : undefined,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) {
        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
    }
    // MSAL reads error bodies too (400 authorization_pending is part of the device-code flow).
    return { headers, body: (await response.body.json()) as T, status: response.statusCode };
  }
}
