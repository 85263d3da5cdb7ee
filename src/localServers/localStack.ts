// The local sign-in server and Kusto server wired together: the Kusto server trusts exactly the tokens the
// sign-in server signs (its JWKS, fetched over HTTPS with the sign-in server's own CA certificate).

import * as https from 'node:https';
import { JsonWebKeySet, KustoServerOptions, RunningKustoServer, createJwksTokenVerifier, startKustoServer } from './kusto/kustoServer';
import { RunningSignInServer, startSignInServer } from './signIn/signInServer';

export interface LocalStackOptions {
  signInPort?: number;
  kustoPort?: number;
  accessTokenLifetimeSeconds?: number;
  pollIntervalSeconds?: number;
  /** Databases the Kusto server serves besides the sample catalog. */
  extraDatabases?: KustoServerOptions['extraDatabases'];
  /** Receives log lines of both servers (never token text). */
  log?: (line: string) => void;
}

export interface LocalStack {
  readonly signIn: RunningSignInServer;
  readonly kusto: RunningKustoServer;
  close(): Promise<void>;
}

function fetchJwks(uri: string, caCertificatePem: string): Promise<JsonWebKeySet> {
  return new Promise((resolve, reject) => {
    const request = https.get(uri, { ca: caCertificatePem, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) {
          reject(new Error(`The sign-in server's JWKS (${uri}) answered HTTP ${response.statusCode}.`));
          return;
        }
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonWebKeySet);
        } catch {
          reject(new Error(`The sign-in server's JWKS (${uri}) is not JSON.`));
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`Timed out fetching the JWKS from ${uri}.`)));
    request.on('error', reject);
  });
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const signIn = await startSignInServer({
    port: options.signInPort,
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds,
    pollIntervalSeconds: options.pollIntervalSeconds,
    log: options.log ? (line) => options.log?.(`[sign-in] ${line}`) : undefined,
  });
  let kusto: RunningKustoServer;
  try {
    kusto = await startKustoServer({
      port: options.kustoPort,
      tokenVerifier: createJwksTokenVerifier(() => fetchJwks(signIn.jwksUri, signIn.caCertificatePem)),
      loginEndpoint: signIn.origin,
      extraDatabases: options.extraDatabases,
      log: options.log ? (line) => options.log?.(`[kusto] ${line}`) : undefined,
    });
  } catch (error) {
    await signIn.close();
    throw error;
  }
  return {
    signIn,
    kusto,
    async close() {
      await Promise.allSettled([kusto.close(), signIn.close()]);
    },
  };
}
