// One MSAL PublicClientApplication for one (client id, authority), with the cache it shares with the other
// authorities of its client id and the queue that serialises calls into that cache. Like VS Code's own
// CachedPublicClientApplication: callers never touch the PublicClientApplication itself.

import type {
  AccountInfo,
  AuthenticationResult,
  DeviceCodeRequest,
  InteractiveRequest,
  PublicClientApplication,
} from '@azure/msal-node';
import type { ResolvedAuthority } from './authoritySettings';
import { type HeldAccessToken, heldAccessTokens } from './msalCacheAdapter';
import type { SerialQueue } from './serialQueue';

export class CachedPublicClient {
  constructor(
    readonly authority: ResolvedAuthority,
    private readonly pca: PublicClientApplication,
    /** Shared by every client over the same stored cache: MSAL reads, changes and writes the whole cache. */
    private readonly queue: SerialQueue,
  ) {}

  /** The tenant segment of the authority (organizations, a tenant id or a domain). */
  get tenant(): string {
    return this.authority.authority.slice(this.authority.authority.lastIndexOf('/') + 1);
  }

  accounts(): Promise<AccountInfo[]> {
    return this.queue.run(() => this.pca.getTokenCache().getAllAccounts());
  }

  /** Accounts and the access tokens the cache holds for them, read in one cache access. */
  accountsWithTokens(): Promise<{ accounts: AccountInfo[]; tokens: HeldAccessToken[] }> {
    return this.queue.run(async () => {
      const cache = this.pca.getTokenCache();
      const accounts = await cache.getAllAccounts();
      return { accounts, tokens: heldAccessTokens(cache, this.authority.clientId) };
    });
  }

  acquireTokenSilent(account: AccountInfo, scope: string, forceRefresh: boolean): Promise<AuthenticationResult> {
    return this.queue.run(() => this.pca.acquireTokenSilent({ account, scopes: [scope], forceRefresh }));
  }

  /**
   * Not queued: polling takes minutes and must not hold up silent requests. The cache plugin's lock keeps the
   * final cache write from interleaving with other MSAL calls.
   */
  acquireTokenByDeviceCode(request: DeviceCodeRequest): Promise<AuthenticationResult | null> {
    return this.pca.acquireTokenByDeviceCode(request);
  }

  /** Not queued, for the same reason: the user may take minutes in the browser. */
  acquireTokenInteractive(request: InteractiveRequest): Promise<AuthenticationResult> {
    return this.pca.acquireTokenInteractive(request);
  }

  /** Removes the account with every token it holds; returns the accounts removed. */
  removeAccounts(which: (account: AccountInfo) => boolean): Promise<AccountInfo[]> {
    return this.queue.run(async () => {
      const cache = this.pca.getTokenCache();
      const targets = (await cache.getAllAccounts()).filter(which);
      for (const account of targets) {
        await cache.removeAccount(account);
      }
      return targets;
    });
  }
}
