import * as vscode from 'vscode';
import type { ActiveConnectionSource } from '../activeConnection';
import { type AuthChangeEvent, affectsClusterAccess } from '../core/auth/authEvents';
import { TokenBroker } from '../core/auth/tokenBroker';
import { describeError } from '../core/auth/redact';
import { parseClusterUrl } from '../core/clusterUrl';
import type { KustoAuth } from '../kustoAuth';
import type { AccountsStatusLines } from './accountsStatusLines';
import { AccountsTreeProvider } from './accountsTreeProvider';
import { InteractiveSignIn, registerAuthCommands } from './authCommands';
import { AuthStatusBar } from './authStatusBar';
import { GlobalStateAccountMapping, readSignInSettings } from './vscodeAuthStores';
import { WorkspaceClusterGate } from './workspaceClusterGate';

export interface AuthDeps {
  readonly activeConnection: ActiveConnectionSource;
  readonly log: vscode.LogOutputChannel;
  /** Rows other features show below the accounts (e.g. agent access). */
  readonly accountsStatusLines?: AccountsStatusLines;
}

/**
 * Wires sign-in into VS Code: commands, the accounts view, the status bar item and the `kusto.signedIn` context
 * key. Cheap at activation: MSAL and undici load on the first token request or the first stored account.
 */
export function registerAuth(context: vscode.ExtensionContext, deps: AuthDeps): KustoAuth {
  const { log } = deps;
  const sessionsChanged = new vscode.EventEmitter<AuthChangeEvent>();
  // Clusters, sign-in ways and tenants that only a workspace's settings name wait for the user's yes.
  const workspaceClusters = new WorkspaceClusterGate(context, log);
  const broker = new TokenBroker({
    secretStore: context.secrets,
    settings: readSignInSettings,
    accountMapping: new GlobalStateAccountMapping(context.globalState),
    log,
    onCorruptCache: (message) => void vscode.window.showWarningMessage(message),
    // Each cluster entry may name its own sign-in way and tenant; read on every request (a workspace's once allowed).
    clusterPreferences: (clusterUrl) => workspaceClusters.preferencesFor(clusterUrl),
  });

  let signedIn: boolean | undefined;
  const setSignedIn = (value: boolean): void => {
    if (value !== signedIn) {
      signedIn = value;
      void vscode.commands.executeCommand('setContext', 'kusto.signedIn', value);
    }
  };
  const accounts = new AccountsTreeProvider(broker, log, setSignedIn, deps.accountsStatusLines);
  const statusLinesSubscription = deps.accountsStatusLines?.onDidChange(() => accounts.refresh());
  const statusBar = new AuthStatusBar(broker, deps.activeConnection, log);
  const confirmCluster = (clusterUrl: string): Promise<void> => workspaceClusters.ensureAllowed(parseClusterUrl(clusterUrl).url);
  const interactive = new InteractiveSignIn({ broker, activeConnection: deps.activeConnection, log, confirmCluster });

  const brokerSubscription = broker.onDidChange((event) => {
    if (affectsClusterAccess(event)) {
      // The context key drives menus even while the accounts view is hidden.
      broker.listAccounts().then((list) => setSignedIn(list.length > 0), () => undefined);
    }
    // The accounts view shows every identity's scopes and their expiry: any change shows there.
    accounts.refresh();
    statusBar.onAuthChange(event);
    sessionsChanged.fire(event);
  });

  context.subscriptions.push(
    sessionsChanged,
    accounts,
    statusBar,
    vscode.window.createTreeView('kusto.accounts', { treeDataProvider: accounts, showCollapseAll: false }),
    ...registerAuthCommands({ broker, activeConnection: deps.activeConnection, log }, interactive),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('kusto.signIn') || event.affectsConfiguration('kusto.clusters')) {
        log.info('Sign-in settings changed; the next request uses them.');
        broker.noteRulesChanged();
      } else if (event.affectsConfiguration('kusto.statusBar')) {
        accounts.refresh();
        void statusBar.update();
      }
    }),
    {
      dispose: () => {
        brokerSubscription.dispose();
        statusLinesSubscription?.dispose();
        broker.dispose().catch((error: unknown) => log.warn(`Closing the sign-in client failed: ${describeError(error)}`));
      },
    },
  );

  return {
    getToken: async (clusterUrl, options) => {
      await workspaceClusters.ensureAllowed(parseClusterUrl(clusterUrl).url);
      return broker.getToken(clusterUrl, options);
    },
    hasSession: (clusterUrl) => broker.hasSession(clusterUrl),
    signIn: async (clusterUrl) => {
      await interactive.run(clusterUrl);
    },
    onDidChangeSessions: sessionsChanged.event,
  };
}
