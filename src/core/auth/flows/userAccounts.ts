// What the two ways a person signs in (device code, browser) share: the account lives in MSAL's token cache, so
// listing, silent tokens (refresh token grants) and forgetting are the same whichever way it came in.

import type { AccountInfo, AuthenticationResult } from '@azure/msal-node';
import { SignInRequiredError } from '../accessTokenSource';
import { describeSilentFailure, explainAadError } from '../authErrors';
import type { AccessTokenDetails, ScopeSummary } from '../authTypes';
import type { CachedPublicClient } from '../cachedPublicClient';
import { describeError } from '../redact';
import { isDueForRefresh, tokenLifetimeMs } from '../refreshPolicy';
import { withRequestCauses } from '../requestCauses';
import { type SignInMethod, signInMethodInfo } from '../signInMethods';
import { assertTokenAudience } from '../tokenClaims';
import { clusterOfScope, tokenScopeFor } from '../tokenScope';
import { isSignInRequired } from './signInFailures';
import type { FlowContext, ForgottenIdentity, Identity, IdentityRecord, IdentitySnapshot } from './signInFlow';

export class UserAccounts {
  constructor(private readonly context: FlowContext) {}

  /** People in the snapshot who signed in the given way (accounts without a record count as device code). */
  records(snapshot: IdentitySnapshot, method: SignInMethod): IdentityRecord[] {
    return snapshot.users
      .filter((account) => (snapshot.profiles.users[account.homeAccountId]?.method ?? 'deviceCode') === method)
      .map((account) => {
        const record = snapshot.profiles.users[account.homeAccountId];
        const identity: Identity = {
          kind: 'user',
          id: account.homeAccountId,
          method,
          account,
          authority: record ? { authorityHost: record.authorityHost, tenant: record.tenant } : undefined,
        };
        return {
          identity,
          username: account.username,
          name: account.name,
          tenantId: account.tenantId,
          environment: account.environment,
          scopes: scopesOf(account, snapshot),
        };
      });
  }

  async acquireSilently(identity: Identity, clusterUrl: string, scope: string, force: boolean): Promise<AccessTokenDetails> {
    if (identity.kind !== 'user') {
      throw new Error(`${identity.id} is not a person's account.`);
    }
    const { account, method } = identity;
    const client = await this.context.pool.client(identity.authority ?? this.context.authorityTargetFor(clusterUrl));
    return withRequestCauses(async (causes) => {
      let result: AuthenticationResult;
      try {
        result = await client.acquireTokenSilent(account, scope, force);
        // A token MSAL has just renewed (fromCache false) is never renewed again.
        if (!force && result.fromCache && result.expiresOn && isDueForRefresh(result.expiresOn, tokenLifetimeMs(result.accessToken, result.expiresOn), this.context.refreshMarginSeconds)) {
          this.context.log('info', `The token for ${clusterUrl} expires soon; refreshing it.`);
          result = await client.acquireTokenSilent(account, scope, true);
        }
      } catch (error) {
        if (isSignInRequired(error)) {
          const reason = explainAadError(error, { clusterUrl, tenant: account.tenantId })?.message ?? describeSilentFailure(error);
          this.context.log('warn', `No token for ${clusterUrl} without signing in: ${reason}.`);
          throw new SignInRequiredError(clusterUrl, reason);
        }
        const message = `Could not get a token for ${clusterUrl}: ${causes.networkFailure ?? describeError(error)}`;
        this.context.log('error', message);
        throw new Error(message);
      }
      if (!result.accessToken) {
        throw new SignInRequiredError(clusterUrl, 'the sign-in service returned no access token');
      }
      const username = result.account?.username ?? account.username;
      if (!result.fromCache) {
        this.context.log('info', `Got a new token for ${clusterUrl} (account ${username}).`);
        this.context.events.fire({ refreshed: [{ accountId: account.homeAccountId, clusterUrl }] });
      }
      return {
        accessToken: result.accessToken,
        expiresOn: result.expiresOn ?? new Date(Date.now() + 60_000),
        scope,
        account: { homeAccountId: account.homeAccountId, username, tenantId: result.account?.tenantId ?? account.tenantId },
        fromCache: result.fromCache,
        signInMethod: method,
      };
    });
  }

  /** Removes the people of one way (or one person) from MSAL's cache. */
  async forget(target: string | 'all', snapshot: IdentitySnapshot, method: SignInMethod): Promise<ForgottenIdentity[]> {
    const own = new Set(this.records(snapshot, method).map((r) => r.identity.id));
    if (own.size === 0 || (target !== 'all' && !own.has(target))) {
      return [];
    }
    const client = await this.context.pool.client();
    const removed = await client.removeAccounts((account) => own.has(account.homeAccountId) && (target === 'all' || account.homeAccountId === target));
    return removed.map((account) => ({ id: account.homeAccountId, name: account.username }));
  }

  /** Ids of the accounts in MSAL's cache before a sign-in starts (to tell a new account from a returning one). */
  async accountIdsBefore(client: CachedPublicClient): Promise<Set<string>> {
    return new Set((await client.accounts()).map((a) => a.homeAccountId));
  }

  /** After MSAL signed a person in: remember how, choose the clusters it serves, keep the token, tell listeners. */
  async completeSignIn(result: AuthenticationResult, accountsBefore: ReadonlySet<string>, clusterUrl: string, method: SignInMethod, client: CachedPublicClient): Promise<IdentityRecord> {
    const scope = tokenScopeFor(clusterUrl);
    const account = result.account as AccountInfo;
    const accessToken = result.accessToken;
    const idsBefore = new Set([...accountsBefore, ...(await this.context.knownIdentityIds())]);
    idsBefore.delete(accountsBefore.has(account.homeAccountId) ? '' : account.homeAccountId);
    await this.context.profiles.update((data) => ({
      ...data,
      users: { ...data.users, [account.homeAccountId]: { method, authorityHost: `https://${client.authority.authorityHost}`, tenant: client.tenant } },
    }));
    await this.context.rememberIdentity(clusterUrl, account.homeAccountId, idsBefore);
    let audienceChecked = false;
    try {
      assertTokenAudience(accessToken, clusterUrl, `${signInMethodInfo(method).label} sign-in`);
      audienceChecked = true;
    } catch (error) {
      this.context.log('error', describeError(error));
    }
    if (result.expiresOn && audienceChecked) {
      this.context.rememberToken({
        accessToken,
        expiresOn: result.expiresOn,
        scope,
        account: { homeAccountId: account.homeAccountId, username: account.username, tenantId: account.tenantId },
        fromCache: false,
        signInMethod: method,
      });
    }
    this.context.log('info', `Signed in as ${account.username} for ${clusterUrl} (${signInMethodInfo(method).label}).`);
    const isNew = !accountsBefore.has(account.homeAccountId);
    this.context.events.fire({
      ...(isNew ? { added: [account.homeAccountId] } : { changed: [account.homeAccountId] }),
      refreshed: [{ accountId: account.homeAccountId, clusterUrl }],
    });
    return {
      identity: { kind: 'user', id: account.homeAccountId, method, account },
      username: account.username,
      name: account.name,
      tenantId: account.tenantId,
      environment: account.environment,
      scopes: [],
    };
  }

  /** A sign-in the user cancelled may still complete: do not keep an account they gave up on. */
  async undoLateSignIn(client: CachedPublicClient, flow: Promise<AuthenticationResult | null>, accountsBefore: ReadonlySet<string>): Promise<void> {
    try {
      const late = await flow;
      const lateId = late?.account?.homeAccountId;
      if (lateId && !accountsBefore.has(lateId)) {
        await client.removeAccounts((account) => account.homeAccountId === lateId);
        this.context.log('info', 'A sign-in completed after it was cancelled; its account was removed again.');
        this.context.events.fire({ removed: [lateId] });
      }
    } catch {
      // The expected outcome: MSAL stopped.
    }
  }
}

function scopesOf(account: AccountInfo, snapshot: IdentitySnapshot): ScopeSummary[] {
  const scopes = new Map<string, ScopeSummary>();
  for (const token of snapshot.tokens) {
    if (token.homeAccountId !== account.homeAccountId || (token.environment && token.environment !== account.environment)) {
      continue;
    }
    for (const scope of token.target.split(/\s+/)) {
      const clusterUrl = clusterOfScope(scope);
      if (!clusterUrl) {
        continue;
      }
      const existing = scopes.get(clusterUrl);
      if (!existing || existing.expiresOn < token.expiresOn) {
        scopes.set(clusterUrl, { scope: tokenScopeFor(clusterUrl), clusterUrl, expiresOn: token.expiresOn });
      }
    }
  }
  return [...scopes.values()].sort((a, b) => a.expiresOn.getTime() - b.expiresOn.getTime());
}
