// Real access tokens from the local sign-in server for tests of code that consumes them (Kusto server, client,
// schema): a device-code flow over plain HTTP, approved in-process, so no MSAL and no waiting on a poll interval.

import { Agent, request } from 'undici';
import type { RunningSignInServer } from '../../src/localServers/signIn/signInServer';

/** Kusto tools' public client id (azure-kusto-data's KustoClientAppId). */
export const TEST_PUBLIC_CLIENT_ID = 'db662dc1-0cfe-4e1c-a843-19a68e65be58';

async function postForm(agent: Agent, url: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(url, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

/**
 * Signs `upn` in with a device code and returns an access token whose audience is `resourceUrl`
 * (e.g. "http://127.0.0.1:8082" or "https://help.kusto.windows.net"; a "/.default" scope is accepted too).
 */
export async function getTestAccessToken(server: RunningSignInServer, resourceUrl: string, upn = 'alice@contoso.com'): Promise<string> {
  const scope = resourceUrl.endsWith('/.default') ? resourceUrl : `${resourceUrl.replace(/\/+$/, '')}/.default`;
  const agent = new Agent({ connect: { ca: server.caCertificatePem } });
  try {
    const deviceCode = await postForm(agent, `${server.authority()}/oauth2/v2.0/devicecode`, {
      client_id: TEST_PUBLIC_CLIENT_ID,
      scope: `${scope} openid profile offline_access`,
    });
    if (deviceCode.status !== 200) {
      throw new Error(`The sign-in server refused the device code request (${deviceCode.status}): ${String(deviceCode.body.error_description)}`);
    }
    server.approveDeviceCode(String(deviceCode.body.user_code), upn);
    const token = await postForm(agent, `${server.authority()}/oauth2/v2.0/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: TEST_PUBLIC_CLIENT_ID,
      device_code: String(deviceCode.body.device_code),
    });
    if (token.status !== 200 || typeof token.body.access_token !== 'string') {
      throw new Error(`The sign-in server refused the token request (${token.status}): ${String(token.body.error_description)}`);
    }
    return token.body.access_token;
  } finally {
    await agent.close();
  }
}
