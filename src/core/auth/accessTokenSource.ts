// The one thing the Kusto client needs from the auth layer: a bearer token minted for one cluster's own scope.

export interface TokenRequestOptions {
  /** Skip the cache and refresh (used once after a 401 from the cluster). */
  readonly forceRefresh?: boolean;
  readonly signal?: AbortSignal;
}

export interface AccessTokenSource {
  /**
   * Returns an access token whose audience is `clusterUrl` (canonical form from parseClusterUrl).
   * Throws SignInRequiredError when no account can get one silently.
   */
  getToken(clusterUrl: string, options?: TokenRequestOptions): Promise<string>;
}

export class SignInRequiredError extends Error {
  constructor(readonly clusterUrl: string, readonly reason: string) {
    super(`Sign in to ${clusterUrl} is required: ${reason}`);
    this.name = 'SignInRequiredError';
  }
}
