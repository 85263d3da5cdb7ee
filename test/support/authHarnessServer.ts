// Starts the project's local sign-in server (https on 127.0.0.1) and builds TokenBrokers against it, with every
// log line captured so tests can count token-endpoint calls and check that no token text is logged.

import * as os from 'node:os';
import * as path from 'node:path';
import { startSignInServer, type RunningSignInServer, type SignInServerOptions } from '../../src/localServers/signIn/signInServer';
import { InMemoryAccountMappingStore } from '../../src/core/auth/accountMapping';
import { DEFAULT_SIGN_IN_SETTINGS } from '../../src/core/auth/authoritySettings';
import type { AccountSummary, TokenBrokerOptions } from '../../src/core/auth/authTypes';
import { TokenBroker } from '../../src/core/auth/tokenBroker';
import { CapturedLog, InMemorySecretStore } from './authHarness';

export interface AuthFixture {
  readonly server: RunningSignInServer;
  readonly store: InMemorySecretStore;
  readonly mapping: InMemoryAccountMappingStore;
  readonly brokerLog: CapturedLog;
  readonly serverLog: string[];
  readonly corruptWarnings: string[];
  /** A broker over the fixture's secret store (a second call = a restart or a second window). */
  newBroker(overrides?: Partial<TokenBrokerOptions>): TokenBroker;
  /** Device code sign-in that approves the code on the server as `upn`, the way a person would in the browser. */
  signIn(broker: TokenBroker, clusterUrl: string, upn: string): Promise<AccountSummary>;
  /** Token endpoint calls with this grant type seen so far. */
  tokenCalls(grant: 'device_code' | 'refresh_token'): number;
  close(): Promise<void>;
}

export async function startAuthFixture(serverOptions: SignInServerOptions = {}): Promise<AuthFixture> {
  const serverLog: string[] = [];
  const server = await startSignInServer({
    pollIntervalSeconds: 1,
    certificateDir: path.join(os.tmpdir(), 'kusto-explorer-auth-tests-cert'),
    ...serverOptions,
    log: (line) => serverLog.push(line),
  });
  const store = new InMemorySecretStore();
  const mapping = new InMemoryAccountMappingStore();
  const brokerLog = new CapturedLog();
  const corruptWarnings: string[] = [];
  const brokers: TokenBroker[] = [];

  const newBroker = (overrides: Partial<TokenBrokerOptions> = {}): TokenBroker => {
    const broker = new TokenBroker({
      secretStore: store,
      settings: () => ({ ...DEFAULT_SIGN_IN_SETTINGS, authorityHost: server.origin }),
      accountMapping: mapping,
      log: brokerLog,
      onCorruptCache: (message) => corruptWarnings.push(message),
      extraCaCertificates: [server.caCertificatePem],
      ...overrides,
    });
    brokers.push(broker);
    return broker;
  };

  const signIn = (broker: TokenBroker, clusterUrl: string, upn: string): Promise<AccountSummary> =>
    broker.signInWithDeviceCode(clusterUrl, (prompt) => {
      setTimeout(() => server.approveDeviceCode(prompt.userCode, upn), 50);
    });

  return {
    server,
    store,
    mapping,
    brokerLog,
    serverLog,
    corruptWarnings,
    newBroker,
    signIn,
    tokenCalls: (grant) => serverLog.filter((line) => line.includes('/oauth2/v2.0/token') && line.includes(`grant_type=${grant}`) && / 200$/.test(line)).length,
    close: async () => {
      await Promise.all(brokers.map((b) => b.dispose()));
      await server.close();
    },
  };
}
