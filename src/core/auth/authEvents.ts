// What changed in sign-in, as data: identities added, removed or changed, and new tokens per cluster. Changes
// that happen in one turn of the event loop (a sign-out of everyone, a sign-in that also fetched a token) reach
// listeners as one merged event, so a listener does its work once and can skip what does not concern it.

import { tokenScopeFor } from './tokenScope';

/** A new access token was obtained for a cluster (not handed out from a cache). */
export interface TokenRefresh {
  readonly accountId: string;
  readonly clusterUrl: string;
}

export interface AuthChangeEvent {
  /** Identities (AccountSummary.homeAccountId) that signed in. */
  readonly added: readonly string[];
  /** Identities that signed out (here or in another window) or whose sign-in was undone. */
  readonly removed: readonly string[];
  /** Identities whose details changed: clusters chosen for them, the default, tokens written by another window. */
  readonly changed: readonly string[];
  readonly refreshed: readonly TokenRefresh[];
  /** The rules that choose an identity per cluster changed (sign-in settings, a cluster's own sign-in way). */
  readonly rulesChanged: boolean;
}

export type AuthChange = Partial<AuthChangeEvent>;

/** True when the event may change which identity (if any) serves a cluster; token refreshes alone never do. */
export function affectsClusterAccess(event: AuthChangeEvent): boolean {
  return event.rulesChanged || event.added.length > 0 || event.removed.length > 0 || event.changed.length > 0;
}

/** True when the event concerns one cluster: its access may have changed, or it got a new token. */
export function concernsCluster(event: AuthChangeEvent, clusterUrl: string): boolean {
  return affectsClusterAccess(event) || event.refreshed.some((refresh) => refresh.clusterUrl === clusterUrl || sameTokenScope(refresh.clusterUrl, clusterUrl));
}

/** Clusters served by one token (Azure Monitor proxy endpoints share their cloud's Kusto service scope). */
function sameTokenScope(a: string, b: string): boolean {
  try {
    return tokenScopeFor(a) === tokenScopeFor(b);
  } catch {
    return false;
  }
}

export function mergeAuthChanges(changes: readonly AuthChange[]): AuthChangeEvent {
  const added = new Set<string>();
  const removed = new Set<string>();
  const changed = new Set<string>();
  const refreshed = new Map<string, TokenRefresh>();
  let rulesChanged = false;
  for (const change of changes) {
    for (const id of change.added ?? []) {
      removed.delete(id);
      added.add(id);
    }
    for (const id of change.removed ?? []) {
      added.delete(id);
      removed.add(id);
    }
    (change.changed ?? []).forEach((id) => changed.add(id));
    (change.refreshed ?? []).forEach((r) => refreshed.set(`${r.accountId}|${r.clusterUrl}`, r));
    rulesChanged ||= change.rulesChanged === true;
  }
  // An identity added or removed in this event is reported as such, not also as changed.
  [...added, ...removed].forEach((id) => changed.delete(id));
  return { added: [...added], removed: [...removed], changed: [...changed], refreshed: [...refreshed.values()], rulesChanged };
}

function isEmpty(event: AuthChangeEvent): boolean {
  return !affectsClusterAccess(event) && event.refreshed.length === 0;
}

/** Collects the changes of one turn and delivers them merged, after the code that made them has run on. */
export class AuthEventHub {
  private readonly listeners = new Set<(event: AuthChangeEvent) => void>();
  private pending: AuthChange[] = [];
  private scheduled = false;

  constructor(private readonly onListenerError: (error: unknown) => void = () => undefined) {}

  on(listener: (event: AuthChangeEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  fire(change: AuthChange): void {
    this.pending.push(change);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  clear(): void {
    this.listeners.clear();
    this.pending = [];
  }

  private flush(): void {
    this.scheduled = false;
    const event = mergeAuthChanges(this.pending.splice(0));
    if (isEmpty(event)) {
      return;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
