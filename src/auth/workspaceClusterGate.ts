import * as vscode from 'vscode';
import { isSignInMethod, signInMethodLabel } from '../core/auth/signInMethods';
import type { ClusterSignInPreferences } from '../core/auth/authTypes';
import { tryParseClusterUrl } from '../core/clusterUrl';
import {
  type ConfiguredCluster,
  type ConsentInput,
  WorkspaceClusterNotAllowedError,
  clustersNeedingConsent,
  consentKey,
  usablePreferences,
} from '../core/workspaceClusterConsent';

const KNOWN_CLUSTERS_KEY = 'kusto.knownClusters';
const ALLOWED_IN_WORKSPACE_KEY = 'kusto.allowedWorkspaceClusters';
export const ALLOW_WORKSPACE_CLUSTERS = 'Allow';

/**
 * Asks once per workspace before a token goes to a cluster that only the workspace's settings name, or before a
 * workspace's own sign-in way or tenant for a cluster is used. The answer "Allow" is remembered for the workspace
 * (and the clusters as used by the user); a refusal holds for this window.
 */
export class WorkspaceClusterGate {
  private readonly refusedThisSession = new Set<string>();
  private asking: Promise<void> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** A cluster's sign-in way and tenant for the auth layer; a workspace's only after the user allowed them. */
  preferencesFor(clusterUrl: string): ClusterSignInPreferences | undefined {
    return usablePreferences(clusterUrl, this.input());
  }

  /** Resolves when a token may go to `clusterUrl`; asks the user when the workspace's settings need a yes. */
  async ensureAllowed(clusterUrl: string): Promise<void> {
    for (;;) {
      const pending = clustersNeedingConsent(this.input());
      const mine = pending.find((c) => c.url === clusterUrl);
      if (!mine) {
        return;
      }
      if (this.refusedThisSession.has(consentKey(mine))) {
        throw new WorkspaceClusterNotAllowedError(clusterUrl);
      }
      // One question for all of the workspace's new clusters, however many requests wait for it.
      this.asking ??= this.ask(pending).finally(() => (this.asking = undefined));
      await this.asking;
    }
  }

  private async ask(pending: readonly ConfiguredCluster[]): Promise<void> {
    const hosts = pending.map((c) => c.url.replace(/^https?:\/\//, ''));
    const details = pending
      .filter((c) => c.signInMethod || c.tenant)
      .map((c) => `${c.url.replace(/^https?:\/\//, '')}: ${[c.signInMethod ? `sign in with ${signInMethodLabel(c.signInMethod)}` : '', c.tenant ? `tenant ${c.tenant}` : ''].filter(Boolean).join(', ')}`);
    const choice = await vscode.window.showWarningMessage(
      `This workspace wants to connect to ${hosts.join(', ')}`,
      {
        modal: true,
        detail:
          "The workspace's settings (.vscode/settings.json) list clusters you have not used before. If you allow it, Kusto Explorer " +
          `sends them a sign-in token of your account.${details.length ? `\n\nThe workspace also asks: ${details.join('; ')}.` : ''}`,
      },
      ALLOW_WORKSPACE_CLUSTERS,
    );
    if (choice === ALLOW_WORKSPACE_CLUSTERS) {
      const allowed = new Set(this.context.workspaceState.get<string[]>(ALLOWED_IN_WORKSPACE_KEY) ?? []);
      const known = new Set(this.context.globalState.get<string[]>(KNOWN_CLUSTERS_KEY) ?? []);
      for (const cluster of pending) {
        allowed.add(consentKey(cluster));
        known.add(cluster.url);
      }
      await this.context.workspaceState.update(ALLOWED_IN_WORKSPACE_KEY, [...allowed]);
      await this.context.globalState.update(KNOWN_CLUSTERS_KEY, [...known]);
      this.log.info(`Allowed this workspace's clusters: ${hosts.join(', ')}.`);
    } else {
      pending.forEach((c) => this.refusedThisSession.add(consentKey(c)));
      this.log.info(`Did not allow this workspace's clusters: ${hosts.join(', ')}; no token is sent to them.`);
    }
  }

  private input(): ConsentInput {
    const inspected = vscode.workspace.getConfiguration('kusto').inspect<unknown>('clusters');
    const workspaceValue = inspected?.workspaceFolderValue ?? inspected?.workspaceValue;
    return {
      workspaceClusters: clustersOf(workspaceValue),
      userClusters: clustersOf(inspected?.globalValue),
      knownClusterUrls: new Set(this.context.globalState.get<string[]>(KNOWN_CLUSTERS_KEY) ?? []),
      allowedInWorkspace: new Set(this.context.workspaceState.get<string[]>(ALLOWED_IN_WORKSPACE_KEY) ?? []),
    };
  }
}

function clustersOf(value: unknown): ConfiguredCluster[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const clusters: ConfiguredCluster[] = [];
  for (const entry of value as Record<string, unknown>[]) {
    const endpoint = typeof entry?.url === 'string' ? tryParseClusterUrl(entry.url) : undefined;
    if (!endpoint) {
      continue;
    }
    clusters.push({
      url: endpoint.url,
      ...(isSignInMethod(entry.signInMethod) ? { signInMethod: entry.signInMethod } : {}),
      ...(typeof entry.tenant === 'string' && entry.tenant.trim() ? { tenant: entry.tenant.trim() } : {}),
    });
  }
  return clusters;
}
