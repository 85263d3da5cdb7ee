import * as vscode from 'vscode';
import type { ActiveConnectionSource } from '../activeConnection';
import { readClusterConnections } from '../clusterSettings';
import { SignInRequiredError } from '../core/auth/accessTokenSource';
import { DeviceCodeSignInError, SignInError } from '../core/auth/authErrors';
import type { SignInMethod } from '../core/auth/signInMethods';
import { SignInSettingsError } from '../core/auth/authoritySettings';
import { describeError } from '../core/auth/redact';
import type { AccountSummary } from '../core/auth/authTypes';
import type { TokenBroker } from '../core/auth/tokenBroker';
import { formatTimeToExpiry } from '../core/auth/tokenExpiry';
import { parseClusterUrl, tryParseClusterUrl } from '../core/clusterUrl';
import type { AccountsTreeNode } from './accountsTreeProvider';
import { registerInspectToken } from './inspectTokenCommand';
import { askTenant, confirmSignInMethodAvailable, pickSignInMethod, signInWithMethodUi } from './signInWays';

export interface AuthCommandDeps {
  readonly broker: TokenBroker;
  readonly activeConnection: ActiveConnectionSource;
  readonly log: vscode.LogOutputChannel;
  /** Resolves when the cluster may be used (a workspace's cluster: once the user allowed it); rejects otherwise. */
  readonly confirmCluster?: (clusterUrl: string) => Promise<void>;
}

const OTHER_CLUSTER = 'Other cluster URL…';

/** The cluster URL a command argument carries: a string, or an explorer/accounts/status bar item with `clusterUrl`. */
export function clusterUrlFromArgument(argument: unknown): string | undefined {
  if (typeof argument === 'string') {
    return argument;
  }
  if (argument && typeof argument === 'object') {
    const value = (argument as { clusterUrl?: unknown }).clusterUrl;
    if (typeof value === 'string') {
      return value;
    }
  }
  return undefined;
}

/**
 * Interactive sign-in shared by the command and KustoAuth.signIn: one flow per cluster at a time (a second
 * request while one runs joins it). Rejects with a message meant for the user.
 */
export class InteractiveSignIn {
  private readonly running = new Map<string, Promise<AccountSummary>>();

  constructor(private readonly deps: AuthCommandDeps) {}

  /** Signs in the given way (default: the cluster's own `signInMethod`, else kusto.signIn.method). */
  run(clusterUrl: string, choice: { method?: SignInMethod; tenant?: string } = {}): Promise<AccountSummary> {
    const endpoint = parseClusterUrl(clusterUrl);
    let flow = this.running.get(endpoint.url);
    if (!flow) {
      const confirmed = this.deps.confirmCluster?.(endpoint.url) ?? Promise.resolve();
      // The way is read after the confirmation: a workspace's own sign-in way for the cluster counts only once allowed.
      flow = confirmed
        .then(() => signInWithMethodUi(this.deps.broker, endpoint.url, choice.method ?? this.deps.broker.preferredMethodFor(endpoint.url), choice.tenant))
        .finally(() => this.running.delete(endpoint.url));
      this.running.set(endpoint.url, flow);
    }
    return flow;
  }
}

export function registerAuthCommands(deps: AuthCommandDeps, signIn: InteractiveSignIn): vscode.Disposable[] {
  const { broker, log } = deps;

  const signInCommand = async (argument?: unknown): Promise<boolean> => {
    const target = clusterUrlFromArgument(argument) ?? (await pickCluster('Sign in to which cluster?'));
    if (target === undefined) {
      return false;
    }
    try {
      const endpoint = parseClusterUrl(target);
      const account = await signIn.run(endpoint.url);
      void vscode.window.showInformationMessage(`Signed in to ${endpoint.displayName} as ${account.username}.`);
      return true;
    } catch (error) {
      await reportFailure(error, log);
      return false;
    }
  };

  /** Sign In With…: choose the way (and, for a person, the tenant) before signing in. */
  const signInWithCommand = async (argument?: unknown): Promise<boolean> => {
    const target = clusterUrlFromArgument(argument) ?? deps.activeConnection.active?.clusterUrl ?? (await pickCluster('Sign in to which cluster?'));
    if (target === undefined) {
      return false;
    }
    try {
      const endpoint = parseClusterUrl(target);
      const picked = await pickSignInMethod(broker, endpoint.url);
      if (!picked) {
        return false;
      }
      // A way that cannot work here is explained before the tenant is asked.
      const method = await confirmSignInMethodAvailable(broker, picked);
      if (!method) {
        throw new SignInError('cancelled', `Sign-in to ${endpoint.url} was cancelled.`);
      }
      let tenant: string | undefined;
      if (method === 'deviceCode' || method === 'browser') {
        tenant = await askTenant(broker, endpoint.url);
        if (tenant === undefined) {
          return false;
        }
      }
      const account = await signIn.run(endpoint.url, { method, tenant: tenant?.trim() || undefined });
      void vscode.window.showInformationMessage(`Signed in to ${endpoint.displayName} as ${account.username}.`);
      return true;
    } catch (error) {
      await reportFailure(error, log);
      return false;
    }
  };

  const signOutCommand = async (argument?: unknown): Promise<void> => {
    try {
      let target: string | undefined = accountIdFromArgument(argument);
      if (!target) {
        const accounts = await broker.listAccounts();
        if (accounts.length === 0) {
          void vscode.window.showInformationMessage('Nobody is signed in to Kusto.');
          return;
        }
        const picked = await vscode.window.showQuickPick(
          [
            ...accounts.map((a) => ({ label: a.username, description: [a.name, a.tenantId ? `tenant ${a.tenantId}` : undefined].filter(Boolean).join(' · '), id: a.homeAccountId })),
            { label: 'All accounts', description: 'sign out everyone', id: 'all' },
          ],
          { title: 'Kusto: Sign Out', placeHolder: 'Which account should be signed out?' },
        );
        target = picked?.id;
      }
      if (!target) {
        return;
      }
      const removed = await broker.signOut(target);
      void vscode.window.showInformationMessage(removed > 0 ? `Signed out of Kusto (${removed} account${removed === 1 ? '' : 's'}).` : 'That account was already signed out.');
    } catch (error) {
      await reportFailure(error, log);
    }
  };

  const refreshCommand = async (argument?: unknown): Promise<void> => {
    let clusters: string[];
    if (argument && typeof argument === 'object' && (argument as AccountsTreeNode).kind === 'account') {
      clusters = (argument as Extract<AccountsTreeNode, { kind: 'account' }>).account.scopes.map((s) => s.clusterUrl);
    } else {
      const single = clusterUrlFromArgument(argument) ?? deps.activeConnection.active?.clusterUrl ?? (await pickCluster('Refresh the token for which cluster?'));
      clusters = single ? [single] : [];
    }
    for (const cluster of clusters) {
      try {
        const token = await broker.getTokenDetails(cluster, { forceRefresh: true });
        void vscode.window.setStatusBarMessage(`Kusto: token for ${parseClusterUrl(cluster).host} refreshed (${formatTimeToExpiry(token.expiresOn)} left)`, 5000);
      } catch (error) {
        await reportFailure(error, log);
        return;
      }
    }
  };

  const chooseAccountCommand = async (argument?: unknown): Promise<void> => {
    try {
      const target = clusterUrlFromArgument(argument) ?? deps.activeConnection.active?.clusterUrl ?? (await pickCluster('Choose the account for which cluster?'));
      if (target === undefined) {
        return;
      }
      const endpoint = parseClusterUrl(target);
      const accounts = await broker.listAccounts();
      const current = (await broker.describeSession(endpoint.url))?.account.homeAccountId;
      type Choice = vscode.QuickPickItem & { action: 'account' | 'default' | 'signIn'; id?: string };
      const choices: Choice[] = [
        ...accounts.map<Choice>((a) => ({
          label: `${a.homeAccountId === current ? '$(check) ' : ''}${a.username}`,
          description: [a.name, a.tenantId ? `tenant ${a.tenantId}` : undefined].filter(Boolean).join(' · '),
          action: 'account',
          id: a.homeAccountId,
        })),
        { label: '$(sign-in) Sign in with another account…', action: 'signIn' },
        { label: 'Use the default account', description: 'the first account signed in', action: 'default' },
      ];
      const picked = await vscode.window.showQuickPick(choices, { title: `Kusto: account for ${endpoint.displayName}`, placeHolder: 'Which account should this cluster use?' });
      if (!picked) {
        return;
      }
      if (picked.action === 'signIn') {
        await signInWithCommand(endpoint.url);
        return;
      }
      await broker.setAccountForCluster(endpoint.url, picked.action === 'account' ? picked.id : undefined);
      const now = await broker.describeSession(endpoint.url);
      void vscode.window.showInformationMessage(`${endpoint.displayName} now uses ${now?.account.username ?? 'the default account'}.`);
    } catch (error) {
      await reportFailure(error, log);
    }
  };

  return [
    vscode.commands.registerCommand('kusto.signIn', signInCommand),
    vscode.commands.registerCommand('kusto.signInWith', signInWithCommand),
    ...registerInspectToken(
      broker,
      deps.activeConnection,
      clusterUrlFromArgument,
      (placeHolder) => pickCluster(placeHolder),
      (error) => reportFailure(error, log),
    ),
    vscode.commands.registerCommand('kusto.signOut', signOutCommand),
    vscode.commands.registerCommand('kusto.refreshToken', refreshCommand),
    vscode.commands.registerCommand('kusto.chooseAccountForCluster', chooseAccountCommand),
  ];
}

function accountIdFromArgument(argument: unknown): string | undefined {
  if (argument && typeof argument === 'object' && (argument as AccountsTreeNode).kind === 'account') {
    return (argument as Extract<AccountsTreeNode, { kind: 'account' }>).account.homeAccountId;
  }
  return undefined;
}

/** Quick pick of the configured clusters plus "Other cluster URL…"; undefined when the user backs out. */
async function pickCluster(placeHolder: string): Promise<string | undefined> {
  const clusters = readClusterConnections();
  if (clusters.length > 0) {
    const picked = await vscode.window.showQuickPick(
      [...clusters.map((c) => ({ label: c.name, description: c.url, url: c.url as string | undefined })), { label: OTHER_CLUSTER, description: '', url: undefined }],
      { title: 'Kusto', placeHolder },
    );
    if (!picked) {
      return undefined;
    }
    if (picked.url) {
      return picked.url;
    }
  }
  return vscode.window.showInputBox({
    title: 'Kusto: cluster URL',
    prompt: 'Cluster URL, e.g. https://mycluster.westeurope.kusto.windows.net',
    ignoreFocusOut: true,
    validateInput: (value) => {
      if (!value.trim()) {
        return 'Enter a cluster URL.';
      }
      try {
        parseClusterUrl(value);
        return undefined;
      } catch (error) {
        return describeError(error);
      }
    },
  }).then((value) => (value && tryParseClusterUrl(value) ? value : undefined));
}

async function reportFailure(error: unknown, log: vscode.LogOutputChannel): Promise<void> {
  const message = describeError(error);
  if (error instanceof SignInError && error.reason === 'cancelled') {
    log.info(message);
    void vscode.window.showInformationMessage(message);
    return;
  }
  log.warn(message);
  if (error instanceof SignInSettingsError) {
    const open = 'Open Settings';
    if ((await vscode.window.showErrorMessage(message, open)) === open) {
      await vscode.commands.executeCommand('workbench.action.openSettings', error.setting);
    }
    return;
  }
  if (error instanceof SignInRequiredError) {
    const signIn = 'Sign In';
    if ((await vscode.window.showWarningMessage(message, signIn)) === signIn) {
      await vscode.commands.executeCommand('kusto.signIn', error.clusterUrl);
    }
    return;
  }
  if (error instanceof SignInError && error.reason === 'wrongTenant') {
    const chooseTenant = 'Sign In With Another Tenant…';
    if ((await vscode.window.showWarningMessage(message, chooseTenant)) === chooseTenant) {
      await vscode.commands.executeCommand('kusto.signInWith');
    }
    return;
  }
  if ((error instanceof DeviceCodeSignInError || error instanceof SignInError) && error.reason !== 'failed') {
    void vscode.window.showWarningMessage(message);
    return;
  }
  void vscode.window.showErrorMessage(message);
}
