// One local Kusto server per mocha suite, signed in as alice: the setup the server's integration suites share.

import { RunningKustoServer, createJwksTokenVerifier, startKustoServer } from '../../src/localServers/kusto/kustoServer';
import { TestTokenIssuer, createTestTokenIssuer } from './testTokens';

export interface StartedKustoServer {
  readonly issuer: TestTokenIssuer;
  readonly server: RunningKustoServer;
  /** A token for the server's own audience. */
  readonly token: string;
}

/** Starts the server before the suite's tests (handing it to `onStarted`) and closes it after them. */
export function useLocalKustoServer(onStarted: (started: StartedKustoServer) => void): void {
  let server: RunningKustoServer | undefined;
  before(async () => {
    const issuer = createTestTokenIssuer();
    server = await startKustoServer({ tokenVerifier: createJwksTokenVerifier(issuer.jwks), loginEndpoint: 'https://127.0.0.1:9' });
    onStarted({ issuer, server, token: issuer.sign({ audience: server.url, upn: 'alice@contoso.com' }) });
  });
  after(async () => {
    await server?.close();
  });
}
