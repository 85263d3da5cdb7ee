import * as vscode from 'vscode';
import type { AccountSummary, ScopeSummary } from '../core/auth/authTypes';
import type { TokenBroker } from '../core/auth/tokenBroker';
import { describeError } from '../core/auth/redact';
import { signInMethodLabel } from '../core/auth/signInMethods';
import { expiryLevel, formatTimeToExpiry } from '../core/auth/tokenExpiry';
import { readWarnMinutesBeforeExpiry } from './vscodeAuthStores';
import type { AccountsStatusLines } from './accountsStatusLines';

export interface AccountNode {
  readonly kind: 'account';
  readonly account: AccountSummary;
}

export interface ScopeNode {
  readonly kind: 'scope';
  readonly account: AccountSummary;
  readonly scope: ScopeSummary;
  /** Lets commands that take a cluster (kusto.signIn, kusto.refreshToken) accept this node as their argument. */
  readonly clusterUrl: string;
}

/** A row another feature adds below the accounts (AccountsStatusLines), shown while someone is signed in. */
export interface StatusNode {
  readonly kind: 'status';
  readonly item: vscode.TreeItem;
}

export type AccountsTreeNode = AccountNode | ScopeNode | StatusNode;

const REFRESH_LABELS_MS = 30_000;

/** `kusto.accounts`: each signed-in account and the cluster scopes it holds tokens for, with time to expiry. */
export class AccountsTreeProvider implements vscode.TreeDataProvider<AccountsTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<AccountsTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly timer: NodeJS.Timeout;
  private hasAccounts = false;
  private lastReportedError: string | undefined;

  constructor(
    private readonly broker: TokenBroker,
    private readonly log: vscode.LogOutputChannel,
    private readonly onSignedInChanged: (signedIn: boolean) => void,
    private readonly statusLines?: AccountsStatusLines,
  ) {
    // Times to expiry change without any request: redraw while someone is signed in.
    this.timer = setInterval(() => this.hasAccounts && this.changed.fire(undefined), REFRESH_LABELS_MS);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: AccountsTreeNode): Promise<AccountsTreeNode[]> {
    if (node?.kind === 'scope' || node?.kind === 'status') {
      return [];
    }
    if (node?.kind === 'account') {
      return node.account.scopes.map((scope) => ({ kind: 'scope', account: node.account, scope, clusterUrl: scope.clusterUrl }));
    }
    let accounts: AccountSummary[];
    try {
      accounts = await this.broker.listAccounts();
    } catch (error) {
      const message = `Could not list Kusto accounts: ${describeError(error)}`;
      this.log.error(message);
      // Shown once per distinct problem: the view redraws often and must not stack up notifications.
      if (message !== this.lastReportedError) {
        this.lastReportedError = message;
        void vscode.window.showErrorMessage(message);
      }
      accounts = [];
    }
    this.hasAccounts = accounts.length > 0;
    this.onSignedInChanged(this.hasAccounts);
    // An empty list shows the welcome view with its Sign In button (so status rows only show while signed in).
    const statusNodes: StatusNode[] = accounts.length ? (this.statusLines?.items() ?? []).map((item) => ({ kind: 'status', item })) : [];
    return [...accounts.map((account): AccountNode => ({ kind: 'account', account })), ...statusNodes];
  }

  getTreeItem(node: AccountsTreeNode): vscode.TreeItem {
    if (node.kind === 'status') {
      return node.item;
    }
    if (node.kind === 'account') {
      const { account } = node;
      const item = new vscode.TreeItem(account.username || account.name || account.homeAccountId, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `account:${account.homeAccountId}`;
      item.contextValue = 'kusto.account';
      const way = signInMethodLabel(account.signInMethod);
      item.iconPath = new vscode.ThemeIcon(account.signInMethod === 'servicePrincipal' ? 'server-process' : account.signInMethod === 'azureCli' ? 'terminal' : 'account');
      item.description = [way, account.tenantId ? `tenant ${account.tenantId}` : undefined, account.isDefault ? 'default' : undefined].filter(Boolean).join(' · ');
      const tooltip = new vscode.MarkdownString(undefined, true);
      tooltip.appendMarkdown(`**${escapeMarkdown(account.username)}**\n\n`);
      tooltip.appendMarkdown(`Signed in with: ${way}  \nTenant: \`${account.tenantId || 'unknown'}\`  \nSign-in host: \`${account.environment}\`\n\n`);
      if (account.isDefault) {
        tooltip.appendMarkdown('Serves every cluster without an account of its own.\n\n');
      }
      if (account.assignedClusters.length) {
        tooltip.appendMarkdown(`Chosen for: ${account.assignedClusters.map((c) => `\`${c}\``).join(', ')}`);
      }
      item.tooltip = tooltip;
      return item;
    }
    const { scope, account } = node;
    const warnMinutes = readWarnMinutesBeforeExpiry();
    const level = expiryLevel(scope.expiresOn, warnMinutes);
    const item = new vscode.TreeItem(scope.clusterUrl.replace(/^https?:\/\//, ''), vscode.TreeItemCollapsibleState.None);
    item.id = `scope:${account.homeAccountId}:${scope.scope}`;
    item.contextValue = 'kusto.scope';
    item.description = formatTimeToExpiry(scope.expiresOn);
    item.iconPath =
      level === 'ok'
        ? new vscode.ThemeIcon('key')
        : new vscode.ThemeIcon(level === 'warning' ? 'warning' : 'error', new vscode.ThemeColor(level === 'warning' ? 'list.warningForeground' : 'list.errorForeground'));
    item.tooltip = new vscode.MarkdownString(
      `Scope \`${scope.scope}\`  \nAccount ${escapeMarkdown(account.username)} (${signInMethodLabel(account.signInMethod)})  \n` +
        `Access token ${level === 'expired' ? 'expired' : 'expires'} ${scope.expiresOn.toLocaleString()} (${scope.expiresOn.toISOString()})`,
    );
    return item;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.changed.dispose();
  }
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
