// What the auth facade (TokenBroker) takes and gives: its options and the summaries the VS Code glue shows.
// No behaviour here, so every room of the auth layer can share these without importing each other.

import type { INetworkModule } from '@azure/msal-node';
import type { AccountMappingStore } from './accountMapping';
import type { SignInSettings } from './authoritySettings';
import type { AzureCliOptions } from './azureCliCredential';
import type { SecretStore } from './secretStore';
import type { SignInMethod } from './signInMethods';
import type { TokenClaimsSummary } from './tokenClaims';

/** Where the auth layer writes; vscode.LogOutputChannel fits. Messages never contain token text. */
export interface AuthLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

/** Per-cluster choices from the cluster's settings entry (kusto.clusters[].signInMethod / tenant). */
export interface ClusterSignInPreferences {
  readonly signInMethod?: SignInMethod;
  readonly tenant?: string;
}

export interface TokenBrokerOptions {
  readonly secretStore: SecretStore;
  /** Read on every use, so a settings change takes effect without a restart. */
  readonly settings: () => SignInSettings;
  readonly accountMapping?: AccountMappingStore;
  readonly log?: AuthLog;
  /** Called once per corrupt stored cache (after it was replaced by an empty one). */
  readonly onCorruptCache?: (message: string) => void;
  /** Refresh a cached token that expires within this many seconds (default 300), at most a third of its lifetime. */
  readonly refreshMarginSeconds?: number;
  /**
   * How long a token obtained here is handed out again without asking MSAL, as long as it is not due for refresh
   * (default: until it is due). MSAL itself renews any token within 5 minutes of expiry, so a token that lives
   * 90 seconds would be renewed on every request if MSAL were asked each time.
   */
  readonly recentTokenReuseMs?: number;
  /** MSAL's HTTP layer; default an UndiciNetworkClient (loaded on first use). */
  readonly networkClient?: INetworkModule;
  /** Extra CA certificates (PEM) for the default network client, for a process started without NODE_EXTRA_CA_CERTS. */
  readonly extraCaCertificates?: readonly string[];
  /** A cluster's own sign-in way and tenant, read on every use (from kusto.clusters). */
  readonly clusterPreferences?: (clusterUrl: string) => ClusterSignInPreferences | undefined;
  /** How `az` is run (command, environment, timeout); tests point it at a fake. */
  readonly azureCli?: Omit<AzureCliOptions, 'tenant' | 'signal'>;
}

/** What the user sees during a device code sign-in. Never includes the secret device_code. */
export interface DeviceCodePrompt {
  readonly userCode: string;
  readonly verificationUri: string;
  /** The sign-in service's own instruction text. */
  readonly message: string;
  readonly expiresOn: Date;
}

export interface ScopeSummary {
  /** e.g. https://mycluster.kusto.windows.net/.default */
  readonly scope: string;
  /** Canonical cluster URL the scope belongs to. */
  readonly clusterUrl: string;
  readonly expiresOn: Date;
}

export interface AccountSummary {
  /** MSAL's homeAccountId for people; `serviceprincipal:<client id>@<tenant>` or `azure-cli` for the other ways. */
  readonly homeAccountId: string;
  readonly username: string;
  readonly name?: string;
  readonly tenantId: string;
  readonly environment: string;
  /** Resource scopes this account holds an access token for, soonest expiry first. */
  readonly scopes: readonly ScopeSummary[];
  /** Clusters the user explicitly assigned to this account. */
  readonly assignedClusters: readonly string[];
  /** True when clusters without an assignment use this account. */
  readonly isDefault: boolean;
  /** How this identity signed in (shown in the accounts panel). */
  readonly signInMethod: SignInMethod;
}

export interface AccessTokenDetails {
  readonly accessToken: string;
  readonly expiresOn: Date;
  readonly scope: string;
  readonly account: { readonly homeAccountId: string; readonly username: string; readonly tenantId: string };
  readonly fromCache: boolean;
  readonly signInMethod: SignInMethod;
}

/** What the status bar shows for a cluster, from the cache only (no network). */
export interface SessionSummary {
  readonly clusterUrl: string;
  readonly scope: string;
  readonly account: AccountSummary;
  /** Undefined when the account holds no access token for this cluster yet (one is fetched on first use). */
  readonly expiresOn?: Date;
}

export interface Subscription {
  dispose(): void;
}

export interface InteractiveSignInOptions {
  /** Tenant to sign in to for this cluster (default: the cluster's `tenant`, else kusto.signIn.tenant). */
  readonly tenant?: string;
  readonly signal?: AbortSignal;
}

export interface BrowserSignInOptions extends InteractiveSignInOptions {
  /** Opens the sign-in page; in VS Code vscode.env.openExternal. */
  readonly openBrowser: (url: string) => Promise<void>;
  /** Picks the account at once (no account chooser). */
  readonly loginHint?: string;
  /** Pages MSAL's loopback listener shows in the browser at the end. */
  readonly successTemplate?: string;
  readonly errorTemplate?: string;
}

export interface ServicePrincipalSignIn {
  readonly clientId: string;
  readonly tenantId: string;
  /** The client secret (stored in the secret store only after it worked), or… */
  readonly clientSecret?: string;
  /** …a PEM file with the certificate and its private key. */
  readonly certificatePath?: string;
  /** Login host (scheme + host); default: the cluster's cloud. */
  readonly authorityHost?: string;
}

/** The claims of the token a cluster would get now (never the token). */
export interface TokenInspection {
  readonly clusterUrl: string;
  readonly account: AccessTokenDetails['account'];
  readonly claims: TokenClaimsSummary;
}

/** The id of the Azure CLI identity among accounts and in the cluster → account mapping. */
export const AZURE_CLI_ACCOUNT_ID = 'azure-cli';
