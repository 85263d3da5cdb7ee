// Azure CLI: reuses the `az login` session of the machine the extension runs on (`az account get-access-token`).
// Nothing is stored but the choice (and a tenant); tokens are held in memory.

import { parseClusterUrl } from '../../clusterUrl';
import { SignInRequiredError } from '../accessTokenSource';
import { SignInError } from '../authErrors';
import { type AccessTokenDetails, AZURE_CLI_ACCOUNT_ID } from '../authTypes';
import { AzureCliError, getAzureCliToken } from '../azureCliCredential';
import { describeError } from '../redact';
import { isDueForRefresh, tokenLifetimeMs } from '../refreshPolicy';
import { type SignInEnvironment, type SignInMethodAvailability, signInMethodAvailability, signInMethodInfo } from '../signInMethods';
import { TokenAudienceError, type TokenClaimsSummary, assertTokenAudience, summarizeTokenClaims } from '../tokenClaims';
import { tokenScopeFor } from '../tokenScope';
import { type FlowContext, type ForgottenIdentity, HeldTokens, type Identity, type IdentityRecord, type IdentitySnapshot, type SignInFlow } from './signInFlow';

export interface AzureCliInput {
  readonly tenant?: string;
}

export class AzureCliFlow implements SignInFlow<AzureCliInput> {
  readonly method = 'azureCli';
  readonly label = signInMethodInfo('azureCli').label;
  private readonly held = new HeldTokens();

  constructor(private readonly context: FlowContext) {}

  availability(environment: SignInEnvironment): SignInMethodAvailability {
    return signInMethodAvailability(this.method, environment);
  }

  /** Checks that az gives a token for the cluster, then remembers the choice. */
  async signIn(clusterUrl: string, input: AzureCliInput): Promise<IdentityRecord> {
    const endpoint = parseClusterUrl(clusterUrl);
    const idsBefore = await this.context.knownIdentityIds();
    const tenant = input.tenant?.trim() || this.context.options.clusterPreferences?.(endpoint.url)?.tenant;
    try {
      const token = await this.cliToken(endpoint.url, tokenScopeFor(endpoint.url), true, tenant);
      assertTokenAudience(token.accessToken, endpoint.url, 'Azure CLI');
    } catch (error) {
      this.held.delete(AZURE_CLI_ACCOUNT_ID, endpoint.url);
      const failure =
        error instanceof AzureCliError
          ? new SignInError(error.reason === 'failed' || error.reason === 'badOutput' ? 'failed' : 'unavailable', error.message)
          : error instanceof TokenAudienceError
            ? new SignInError('failed', error.message)
            : error;
      this.context.log('warn', `Azure CLI sign-in for ${endpoint.url} failed: ${describeError(failure)}`);
      throw failure;
    }
    await this.context.profiles.update((data) => ({ ...data, azureCli: { tenant: tenant ?? data.azureCli?.tenant } }));
    await this.context.rememberIdentity(endpoint.url, AZURE_CLI_ACCOUNT_ID, idsBefore);
    this.context.log('info', `Using the Azure CLI session for ${endpoint.url}.`);
    this.context.events.fire(idsBefore.has(AZURE_CLI_ACCOUNT_ID) ? { changed: [AZURE_CLI_ACCOUNT_ID] } : { added: [AZURE_CLI_ACCOUNT_ID] });
    return this.record(tenant);
  }

  identities(snapshot: IdentitySnapshot): IdentityRecord[] {
    return snapshot.profiles.azureCli ? [this.record(snapshot.profiles.azureCli.tenant)] : [];
  }

  async acquireSilently(identity: Identity, clusterUrl: string, scope: string, force: boolean): Promise<AccessTokenDetails> {
    const tenant = this.context.options.clusterPreferences?.(clusterUrl)?.tenant ?? (identity.kind === 'azureCli' ? identity.tenant : undefined);
    try {
      return await this.cliToken(clusterUrl, scope, force, tenant);
    } catch (error) {
      if (error instanceof AzureCliError && (error.reason === 'notLoggedIn' || error.reason === 'notInstalled')) {
        throw new SignInRequiredError(clusterUrl, error.message);
      }
      throw error;
    }
  }

  async forget(target: string | 'all', snapshot: IdentitySnapshot): Promise<ForgottenIdentity[]> {
    if (!snapshot.profiles.azureCli || (target !== 'all' && target !== AZURE_CLI_ACCOUNT_ID)) {
      return [];
    }
    this.held.delete(AZURE_CLI_ACCOUNT_ID);
    return [{ id: AZURE_CLI_ACCOUNT_ID, name: 'Azure CLI' }];
  }

  private record(storedTenant: string | undefined): IdentityRecord {
    const held = this.held.tokens(AZURE_CLI_ACCOUNT_ID);
    return {
      identity: { kind: 'azureCli', id: AZURE_CLI_ACCOUNT_ID, method: 'azureCli', tenant: storedTenant },
      username: held.find((t) => t.username)?.username ?? 'Azure CLI session',
      name: this.label,
      tenantId: held.find((t) => t.tenantId)?.tenantId ?? storedTenant ?? '',
      environment: 'az login',
      scopes: this.held.scopes(AZURE_CLI_ACCOUNT_ID),
    };
  }

  private async cliToken(clusterUrl: string, scope: string, force: boolean, tenant: string | undefined): Promise<AccessTokenDetails> {
    const held = this.held.get(AZURE_CLI_ACCOUNT_ID, clusterUrl);
    const fromCache = !force && !!held && !isDueForRefresh(held.expiresOn, tokenLifetimeMs(held.accessToken, held.expiresOn), this.context.refreshMarginSeconds);
    let token = held;
    if (!fromCache || !token) {
      const fresh = await getAzureCliToken(clusterUrl, { ...this.context.options.azureCli, tenant });
      const claims = safeClaims(fresh.accessToken);
      token = { accessToken: fresh.accessToken, expiresOn: fresh.expiresOn, username: claims?.account ?? claims?.appId ?? 'Azure CLI session', tenantId: claims?.tenantId ?? fresh.tenant ?? '' };
      this.held.set(AZURE_CLI_ACCOUNT_ID, clusterUrl, token);
      this.context.log('info', `Got a new token for ${clusterUrl} from Azure CLI.`);
      this.context.events.fire({ refreshed: [{ accountId: AZURE_CLI_ACCOUNT_ID, clusterUrl }] });
    }
    return {
      accessToken: token.accessToken,
      expiresOn: token.expiresOn,
      scope,
      account: { homeAccountId: AZURE_CLI_ACCOUNT_ID, username: token.username, tenantId: token.tenantId },
      fromCache,
      signInMethod: 'azureCli',
    };
  }
}

function safeClaims(token: string): TokenClaimsSummary | undefined {
  try {
    return summarizeTokenClaims(token);
  } catch {
    return undefined;
  }
}
