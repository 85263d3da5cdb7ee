// Service principal sign-in: an app registration's client id, tenant and a client secret (secret store only) or
// a certificate. One MSAL ConfidentialClientApplication per (app, authority); its tokens are held in memory.

import type { AuthenticationResult, ConfidentialClientApplication } from '@azure/msal-node';
import { parseClusterUrl } from '../../clusterUrl';
import { SignInRequiredError } from '../accessTokenSource';
import { SignInError, explainAadError } from '../authErrors';
import { type ResolvedAuthority, resolveAuthority } from '../authoritySettings';
import type { AccessTokenDetails, ServicePrincipalSignIn } from '../authTypes';
import { describeError } from '../redact';
import { isDueForRefresh, tokenLifetimeMs } from '../refreshPolicy';
import { type RequestCauses, withRequestCauses } from '../requestCauses';
import {
  type ServicePrincipalProfile,
  loadCertificateCredential,
  servicePrincipalAccountId,
  servicePrincipalSecretKey,
  validateServicePrincipalField,
} from '../servicePrincipalCredential';
import { type SignInEnvironment, type SignInMethodAvailability, signInMethodAvailability, signInMethodInfo } from '../signInMethods';
import { TokenAudienceError, assertTokenAudience } from '../tokenClaims';
import { tokenScopeFor } from '../tokenScope';
import { toSignInFailure } from './signInFailures';
import { type FlowContext, type ForgottenIdentity, HeldTokens, type Identity, type IdentityRecord, type IdentitySnapshot, type SignInFlow } from './signInFlow';

export class ServicePrincipalFlow implements SignInFlow<ServicePrincipalSignIn> {
  readonly method = 'servicePrincipal';
  readonly label = signInMethodInfo('servicePrincipal').label;
  private readonly appClients = new Map<string, Promise<ConfidentialClientApplication>>();
  private readonly held = new HeldTokens();

  constructor(private readonly context: FlowContext) {}

  availability(environment: SignInEnvironment): SignInMethodAvailability {
    return signInMethodAvailability(this.method, environment);
  }

  /**
   * Gets a token for the cluster first, and only when that works stores the profile (ids, certificate path) and
   * the secret (secret store only). A wrong secret stores nothing.
   */
  async signIn(clusterUrl: string, input: ServicePrincipalSignIn): Promise<IdentityRecord> {
    const endpoint = parseClusterUrl(clusterUrl);
    const problem = validateServicePrincipalField('clientId', input.clientId) ?? validateServicePrincipalField('tenantId', input.tenantId);
    if (problem) {
      throw new SignInError('failed', problem);
    }
    const secret = input.clientSecret?.trim() ? input.clientSecret : undefined;
    if (!secret && !input.certificatePath) {
      throw new SignInError('failed', 'A service principal needs a client secret or a certificate file (PEM with its private key).');
    }
    const unpinned: ServicePrincipalProfile = {
      clientId: input.clientId.trim().toLowerCase(),
      tenantId: input.tenantId.trim(),
      authorityHost: input.authorityHost?.trim() || undefined,
      certificatePath: secret ? undefined : input.certificatePath,
    };
    // The credential is pinned to the login host it is created with: its secret (or signed assertion) is never
    // sent to another host, whatever kusto.signIn.authorityHost says later.
    const profile: ServicePrincipalProfile = { ...unpinned, authorityHost: `https://${this.appAuthority(unpinned, endpoint.url).authorityHost}` };
    const id = servicePrincipalAccountId(profile);
    const idsBefore = await this.context.knownIdentityIds();
    const app = this.createAppClient(profile, endpoint.url, secret);
    let token: AccessTokenDetails;
    let causes: RequestCauses = {};
    try {
      token = await withRequestCauses(async (requestCauses) => {
        causes = requestCauses;
        const details = await this.appToken(await app, profile, endpoint.url, tokenScopeFor(endpoint.url), false, causes);
        assertTokenAudience(details.accessToken, endpoint.url, 'The service principal sign-in');
        return details;
      });
    } catch (error) {
      this.held.delete(id, endpoint.url);
      const failure =
        error instanceof SignInError
          ? error
          : error instanceof TokenAudienceError
            ? new SignInError('failed', error.message)
            : toSignInFailure(error, endpoint.url, profile.tenantId, causes);
      this.context.log('warn', `Service principal sign-in for ${endpoint.url} failed: ${failure.message}`);
      throw failure;
    }
    if (secret) {
      await this.context.options.secretStore.store(servicePrincipalSecretKey(profile), secret);
    }
    await this.context.profiles.update((data) => ({
      ...data,
      servicePrincipals: [...data.servicePrincipals.filter((p) => servicePrincipalAccountId(p) !== id), profile],
    }));
    this.dropAppClients(id);
    this.appClients.set(`${id}|${this.appAuthority(profile, endpoint.url).key}`, app);
    await this.context.rememberIdentity(endpoint.url, id, idsBefore);
    this.context.log('info', `Signed in as service principal ${profile.clientId} (tenant ${profile.tenantId}) for ${endpoint.url}.`);
    this.context.events.fire({ ...(idsBefore.has(id) ? { changed: [id] } : { added: [id] }), refreshed: [{ accountId: id, clusterUrl: endpoint.url }] });
    return this.record(profile, token.account.username);
  }

  identities(snapshot: IdentitySnapshot): IdentityRecord[] {
    return snapshot.profiles.servicePrincipals.map((profile) => this.record(profile, `app ${profile.clientId}`));
  }

  async acquireSilently(identity: Identity, clusterUrl: string, scope: string, force: boolean): Promise<AccessTokenDetails> {
    if (identity.kind !== 'servicePrincipal') {
      throw new Error(`${identity.id} is not a service principal.`);
    }
    const app = await this.appClientFor(identity.profile, clusterUrl);
    try {
      return await withRequestCauses((causes) => this.appToken(app, identity.profile, clusterUrl, scope, force, causes));
    } catch (error) {
      const explained = explainAadError(error, { clusterUrl, tenant: identity.profile.tenantId });
      if (explained) {
        this.context.log('warn', explained.message);
        throw new SignInRequiredError(clusterUrl, explained.message);
      }
      throw error;
    }
  }

  async forget(target: string | 'all', snapshot: IdentitySnapshot): Promise<ForgottenIdentity[]> {
    const forgotten: ForgottenIdentity[] = [];
    for (const profile of snapshot.profiles.servicePrincipals) {
      const id = servicePrincipalAccountId(profile);
      if (target === 'all' || id === target) {
        await this.context.options.secretStore.delete(servicePrincipalSecretKey(profile));
        this.dropAppClients(id);
        this.held.delete(id);
        forgotten.push({ id, name: `service principal ${profile.clientId}` });
      }
    }
    return forgotten;
  }

  private record(profile: ServicePrincipalProfile, username: string): IdentityRecord {
    const id = servicePrincipalAccountId(profile);
    return {
      identity: { kind: 'servicePrincipal', id, method: 'servicePrincipal', profile },
      username,
      name: this.label,
      tenantId: profile.tenantId,
      environment: profile.authorityHost ?? '',
      scopes: this.held.scopes(id),
    };
  }

  private async appToken(
    app: ConfidentialClientApplication,
    profile: ServicePrincipalProfile,
    clusterUrl: string,
    scope: string,
    force: boolean,
    causes: RequestCauses,
  ): Promise<AccessTokenDetails> {
    const id = servicePrincipalAccountId(profile);
    let result: AuthenticationResult | null;
    try {
      result = await app.acquireTokenByClientCredential({ scopes: [scope], skipCache: force });
      if (result && !force && result.fromCache && result.expiresOn && isDueForRefresh(result.expiresOn, tokenLifetimeMs(result.accessToken, result.expiresOn), this.context.refreshMarginSeconds)) {
        result = await app.acquireTokenByClientCredential({ scopes: [scope], skipCache: true });
      }
    } catch (error) {
      const explained = explainAadError(error, { clusterUrl, tenant: profile.tenantId });
      if (explained) {
        throw new SignInError(explained.reason, explained.message);
      }
      throw new Error(`Could not get a token for ${clusterUrl} as service principal ${profile.clientId}: ${causes.networkFailure ?? describeError(error)}`);
    }
    if (!result?.accessToken) {
      throw new SignInError('failed', `The sign-in service returned no token for service principal ${profile.clientId}.`);
    }
    const expiresOn = result.expiresOn ?? new Date(Date.now() + 60_000);
    const known = this.held.get(id, clusterUrl);
    this.held.set(id, clusterUrl, { accessToken: result.accessToken, expiresOn, username: `app ${profile.clientId}`, tenantId: profile.tenantId });
    if (!result.fromCache && known?.accessToken !== result.accessToken) {
      this.context.log('info', `Got a new token for ${clusterUrl} (service principal ${profile.clientId}).`);
      this.context.events.fire({ refreshed: [{ accountId: id, clusterUrl }] });
    }
    return {
      accessToken: result.accessToken,
      expiresOn,
      scope,
      account: { homeAccountId: id, username: `app ${profile.clientId}`, tenantId: profile.tenantId },
      fromCache: result.fromCache,
      signInMethod: 'servicePrincipal',
    };
  }

  private appAuthority(profile: ServicePrincipalProfile, clusterUrl: string): ResolvedAuthority {
    return resolveAuthority(
      { ...this.context.options.settings(), clientId: profile.clientId },
      { clusterUrl, tenant: profile.tenantId, authorityHost: profile.authorityHost },
    );
  }

  private appClientFor(profile: ServicePrincipalProfile, clusterUrl: string): Promise<ConfidentialClientApplication> {
    const id = servicePrincipalAccountId(profile);
    const key = `${id}|${this.appAuthority(profile, clusterUrl).key}`;
    let app = this.appClients.get(key);
    if (!app) {
      app = (async () => {
        const secret = profile.certificatePath ? undefined : await this.context.options.secretStore.get(servicePrincipalSecretKey(profile));
        if (!profile.certificatePath && !secret) {
          throw new SignInRequiredError(clusterUrl, `the client secret of service principal ${profile.clientId} is no longer stored; sign in with it again`);
        }
        return this.createAppClient(profile, clusterUrl, secret);
      })();
      this.appClients.set(key, app);
      app.catch(() => this.appClients.delete(key));
    }
    return app;
  }

  private async createAppClient(profile: ServicePrincipalProfile, clusterUrl: string, secret: string | undefined): Promise<ConfidentialClientApplication> {
    const authority = this.appAuthority(profile, clusterUrl);
    const msal = await import('@azure/msal-node');
    let clientCertificate: { thumbprintSha256: string; privateKey: string; x5c: string } | undefined;
    if (!secret) {
      try {
        const certificate = await loadCertificateCredential(profile.certificatePath as string);
        clientCertificate = { thumbprintSha256: certificate.thumbprintSha256, privateKey: certificate.privateKey, x5c: certificate.certificatePem };
      } catch (error) {
        throw new SignInError('failed', describeError(error));
      }
    }
    return new msal.ConfidentialClientApplication({
      auth: {
        clientId: profile.clientId,
        authority: authority.authority,
        knownAuthorities: [...authority.knownAuthorities],
        ...(secret ? { clientSecret: secret } : { clientCertificate }),
      },
      system: await this.context.pool.systemOptions(msal),
    });
  }

  private dropAppClients(id: string): void {
    for (const key of [...this.appClients.keys()]) {
      if (key.startsWith(`${id}|`)) {
        this.appClients.delete(key);
      }
    }
  }
}
