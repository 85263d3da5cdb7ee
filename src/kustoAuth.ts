import type * as vscode from 'vscode';
import type { AccessTokenSource } from './core/auth/accessTokenSource';
import type { AuthChangeEvent } from './core/auth/authEvents';

/** What the rest of the extension knows of sign-in; how a token is obtained stays inside src/auth. */
export interface KustoAuth extends AccessTokenSource {
  /**
   * Interactive sign-in for a cluster, the cluster's own way (its `signInMethod`, else kusto.signIn.method: device
   * code by default). Resolves when a token for the cluster is held;
   * rejects with a clear message on cancel, decline or expiry, leaving no half state.
   */
  signIn(clusterUrl: string): Promise<void>;
  /** True when a token for the cluster can be had without asking the user. */
  hasSession(clusterUrl: string): Promise<boolean>;
  /**
   * Fires after sign-in, sign-out, a new token, a change of which account serves a cluster, or another window
   * changing the stored tokens, saying which (one merged event per turn). `affectsClusterAccess(event)` tells
   * whether anything but new tokens changed.
   */
  readonly onDidChangeSessions: vscode.Event<AuthChangeEvent>;
}
