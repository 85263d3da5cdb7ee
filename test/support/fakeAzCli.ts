// A stand-in for the Azure CLI's `az account get-access-token`, run as a real subprocess by the tests. It answers
// like az does: JSON on stdout when "logged in" (a client-credentials token from the local sign-in server), or
// az's own error text on stderr with exit code 1 when not. Configured through FAKE_AZ_* environment variables.

import { appendFileSync, readFileSync } from 'node:fs';
import { request } from 'node:https';

type Mode = 'loggedIn' | 'notLoggedIn' | 'wrongAudience';

function argument(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

function postForm(url: string, form: Record<string, string>, caPem: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams(form).toString();
    const req = request(url, { method: 'POST', ca: caPem, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const mode = (process.env.FAKE_AZ_MODE ?? 'loggedIn') as Mode;
  if (process.env.FAKE_AZ_LOG) {
    // Arguments only: never a token.
    appendFileSync(process.env.FAKE_AZ_LOG, `${JSON.stringify(args)}\n`);
  }
  if (args[0] !== 'account' || args[1] !== 'get-access-token') {
    process.stderr.write(`ERROR: 'fake az' only answers 'account get-access-token' (got: ${args.join(' ')})\n`);
    return 2;
  }
  if (mode === 'notLoggedIn') {
    process.stderr.write("ERROR: Please run 'az login' to setup account.\n");
    return 1;
  }
  const resource = argument(args, '--resource');
  if (!resource) {
    process.stderr.write('ERROR: the fake az needs --resource\n');
    return 2;
  }
  const tenant = argument(args, '--tenant') ?? process.env.FAKE_AZ_TENANT ?? '';
  const scopeResource = mode === 'wrongAudience' ? 'https://someothercluster.kusto.windows.net' : resource;
  const token = await postForm(
    `${process.env.FAKE_AZ_ORIGIN}/${tenant}/oauth2/v2.0/token`,
    {
      grant_type: 'client_credentials',
      client_id: process.env.FAKE_AZ_CLIENT_ID ?? '',
      client_secret: process.env.FAKE_AZ_CLIENT_SECRET ?? '',
      scope: `${scopeResource.replace(/\/+$/, '')}/.default`,
    },
    readFileSync(process.env.FAKE_AZ_CA_PATH ?? '', 'utf8'),
  );
  if (token.status !== 200 || typeof token.body.access_token !== 'string') {
    process.stderr.write(`ERROR: ${String(token.body.error_description ?? token.status)}\n`);
    return 1;
  }
  const expiresOn = Math.floor(Date.now() / 1000) + Number(token.body.expires_in ?? 3600);
  const local = new Date(expiresOn * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  process.stdout.write(
    `${JSON.stringify(
      {
        accessToken: token.body.access_token,
        expiresOn: `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())} ${pad(local.getHours())}:${pad(local.getMinutes())}:${pad(local.getSeconds())}.000000`,
        expires_on: expiresOn,
        subscription: '00000000-0000-4000-8000-000000000000',
        tenant,
        tokenType: 'Bearer',
      },
      null,
      2,
    )}\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
