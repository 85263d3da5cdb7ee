// Device code sign-in: the user enters a code in any browser, on any device (works remote and on the web).

import type { AuthenticationResult, DeviceCodeRequest } from '@azure/msal-node';
import { parseClusterUrl } from '../../clusterUrl';
import { DeviceCodeSignInError, toDeviceCodeSignInError } from '../authErrors';
import type { DeviceCodePrompt } from '../authTypes';
import { describeError } from '../redact';
import { withRequestCauses } from '../requestCauses';
import { tokenScopeFor } from '../tokenScope';
import { withNetworkCause, withServerError } from './signInFailures';
import { PersonFlow } from './personFlow';
import { raceAbort } from '../../abortable';
import type { IdentityRecord } from './signInFlow';

export interface DeviceCodeInput {
  /** Gets the code to show. */
  readonly onCode: (prompt: DeviceCodePrompt) => void;
  /** Aborting cancels the polling. */
  readonly signal?: AbortSignal;
  readonly tenant?: string;
}

export class DeviceCodeFlow extends PersonFlow<DeviceCodeInput> {
  readonly method = 'deviceCode';

  /** Rejects with DeviceCodeSignInError (cancelled, declined, expired, wrongTenant, failed); nothing is stored then. */
  async signIn(clusterUrl: string, { onCode, signal, tenant: chosenTenant }: DeviceCodeInput): Promise<IdentityRecord> {
    const endpoint = parseClusterUrl(clusterUrl);
    const client = await this.context.pool.client(this.context.authorityTargetFor(endpoint.url, chosenTenant));
    const tenant = client.tenant;
    if (signal?.aborted) {
      throw toDeviceCodeSignInError({ errorCode: 'device_code_polling_cancelled' }, endpoint.url);
    }
    const accountsBefore = await this.users.accountIdsBefore(client);
    const request: DeviceCodeRequest = {
      scopes: [tokenScopeFor(endpoint.url)],
      deviceCodeCallback: (response) => {
        try {
          onCode({
            userCode: response.userCode,
            verificationUri: response.verificationUri,
            message: response.message,
            expiresOn: new Date(Date.now() + response.expiresIn * 1000),
          });
        } catch (error) {
          this.context.log('warn', `Showing the sign-in code failed: ${describeError(error)}`);
        }
      },
    };
    this.context.log('info', `Device code sign-in started for ${endpoint.url} (tenant ${tenant}).`);
    const result = await withRequestCauses(async (causes): Promise<AuthenticationResult | null> => {
      const flow = client.acquireTokenByDeviceCode(request);
      try {
        return await raceAbort(flow, signal, {
          onAbort: () => {
            request.cancel = true; // MSAL stops polling before its next request
          },
        });
      } catch (error) {
        if (signal?.aborted) {
          void this.users.undoLateSignIn(client, flow, accountsBefore);
        }
        const failure = signal?.aborted
          ? toDeviceCodeSignInError({ errorCode: 'device_code_polling_cancelled' }, endpoint.url)
          : withNetworkCause(toDeviceCodeSignInError(withServerError(error, causes), endpoint.url, tenant), causes);
        this.context.log(failure.reason === 'failed' ? 'error' : 'info', failure.message);
        throw failure;
      }
    });
    if (!result?.account || !result.accessToken) {
      throw new DeviceCodeSignInError('failed', `Sign-in to ${endpoint.url} returned no account; try again.`);
    }
    return this.users.completeSignIn(result, accountsBefore, endpoint.url, this.method, client);
  }
}
