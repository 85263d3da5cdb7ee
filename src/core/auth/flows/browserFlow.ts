// Browser sign-in: authorization code with PKCE, MSAL listening on a loopback port for the answer. Needs a browser
// on the machine the extension host runs on (not remote, not on the web).

import type { AuthenticationResult } from '@azure/msal-node';
import { parseClusterUrl } from '../../clusterUrl';
import { SignInError } from '../authErrors';
import type { BrowserSignInOptions } from '../authTypes';
import { withRequestCauses } from '../requestCauses';
import { tokenScopeFor } from '../tokenScope';
import { toSignInFailure } from './signInFailures';
import { PersonFlow } from './personFlow';
import { raceAbort } from '../../abortable';
import type { IdentityRecord } from './signInFlow';

export class BrowserFlow extends PersonFlow<BrowserSignInOptions> {
  readonly method = 'browser';

  /** Rejects with SignInError (cancelled, declined, wrongTenant, failed). */
  async signIn(clusterUrl: string, options: BrowserSignInOptions): Promise<IdentityRecord> {
    const endpoint = parseClusterUrl(clusterUrl);
    const client = await this.context.pool.client(this.context.authorityTargetFor(endpoint.url, options.tenant));
    const tenant = client.tenant;
    const signal = options.signal;
    if (signal?.aborted) {
      throw new SignInError('cancelled', `Sign-in to ${endpoint.url} was cancelled.`);
    }
    const accountsBefore = await this.users.accountIdsBefore(client);
    let authorizeUrl: string | undefined;
    this.context.log('info', `Browser sign-in started for ${endpoint.url} (tenant ${tenant}).`);
    const result = await withRequestCauses(async (causes): Promise<AuthenticationResult> => {
      const flow = client.acquireTokenInteractive({
        scopes: [tokenScopeFor(endpoint.url)],
        loginHint: options.loginHint,
        prompt: options.loginHint ? undefined : 'select_account',
        successTemplate: options.successTemplate,
        errorTemplate: options.errorTemplate,
        openBrowser: async (url) => {
          authorizeUrl = url;
          await options.openBrowser(url);
        },
      });
      try {
        return await raceAbort(flow, signal, { onAbort: () => void cancelLoopback(authorizeUrl) });
      } catch (error) {
        if (signal?.aborted) {
          void this.users.undoLateSignIn(client, flow, accountsBefore);
          this.context.log('info', `Browser sign-in to ${endpoint.url} was cancelled.`);
          throw new SignInError('cancelled', `Sign-in to ${endpoint.url} was cancelled.`);
        }
        const failure = toSignInFailure(error, endpoint.url, tenant, causes);
        this.context.log(failure.reason === 'failed' ? 'error' : 'info', failure.message);
        throw failure;
      }
    });
    if (!result?.account || !result.accessToken) {
      throw new SignInError('failed', `Sign-in to ${endpoint.url} returned no account; try again.`);
    }
    return this.users.completeSignIn(result, accountsBefore, endpoint.url, this.method, client);
  }
}

/**
 * Ends a browser sign-in that the user cancelled: MSAL's loopback listener waits for an answer with no timeout,
 * so answer it with access_denied as the sign-in page would (to 127.0.0.1 only, where MSAL listens).
 */
async function cancelLoopback(authorizeUrl: string | undefined): Promise<void> {
  if (!authorizeUrl) {
    return;
  }
  try {
    const query = new URL(authorizeUrl).searchParams;
    const redirect = new URL(query.get('redirect_uri') ?? '');
    if (redirect.hostname !== 'localhost' && redirect.hostname !== '127.0.0.1') {
      return;
    }
    redirect.hostname = '127.0.0.1';
    const body = new URLSearchParams({ error: 'access_denied', error_description: 'user_cancelled', state: query.get('state') ?? '' });
    const { request } = await import('node:http');
    await new Promise<void>((resolve) => {
      const req = request(redirect, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => resolve());
      req.end(body.toString());
    });
  } catch {
    // Nothing more to do: the listener ends with the extension host.
  }
}
