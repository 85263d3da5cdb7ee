import * as vscode from 'vscode';
import type { ActiveConnectionSource } from '../activeConnection';
import { type AuthChangeEvent, concernsCluster } from '../core/auth/authEvents';
import { sessionTooltipMarkdown } from '../core/auth/markdownText';
import { describeError } from '../core/auth/redact';
import type { TokenBroker } from '../core/auth/tokenBroker';
import { expiryLevel, formatTimeToExpiry, msUntilDisplayChanges } from '../core/auth/tokenExpiry';
import { readWarnMinutesBeforeExpiry } from './vscodeAuthStores';

/**
 * `Kusto: alice · 47m` for the active connection's cluster: warning look near expiry, error look when expired
 * or signed out. Redraws on its own when the minute or the level changes, without any request.
 */
export class AuthStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('kusto.auth', vscode.StatusBarAlignment.Left, 90);
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly broker: TokenBroker,
    private readonly activeConnection: ActiveConnectionSource,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item.name = 'Kusto Sign-in';
    this.subscriptions.push(activeConnection.onDidChangeActive(() => void this.update()));
    void this.update();
  }

  /** Redraws when the change concerns the active cluster: its account may have changed, or it got a new token. */
  onAuthChange(event: AuthChangeEvent): void {
    const active = this.activeConnection.active;
    if (active && concernsCluster(event, active.clusterUrl)) {
      void this.update();
    }
  }

  async update(): Promise<void> {
    const generation = ++this.generation;
    this.clearTimer();
    const active = this.activeConnection.active;
    if (!active) {
      this.item.hide();
      return;
    }
    let session;
    try {
      session = await this.broker.describeSession(active.clusterUrl);
    } catch (error) {
      this.log.warn(`Status bar could not read the session for ${active.clusterUrl}: ${describeError(error)}`);
      session = undefined;
    }
    if (generation !== this.generation) {
      return; // a newer update started while this one waited
    }
    const item = this.item;
    if (!session) {
      item.text = '$(sign-in) Kusto: sign in';
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      item.tooltip = new vscode.MarkdownString(`Not signed in to \`${active.clusterUrl}\`. Click to sign in.`);
      item.command = { command: 'kusto.signIn', title: 'Sign In', arguments: [active.clusterUrl] };
      item.show();
      return;
    }
    const user = shortUser(session.account.username);
    const warnMinutes = readWarnMinutesBeforeExpiry();
    const tooltip = new vscode.MarkdownString();
    // The account name comes from the sign-in service (or a token): text, never Markdown.
    tooltip.appendMarkdown(
      sessionTooltipMarkdown({ clusterUrl: session.clusterUrl, scope: session.scope, username: session.account.username, tenantId: session.account.tenantId }),
    );
    item.command = { command: 'kusto.refreshToken', title: 'Refresh Token Now', arguments: [{ clusterUrl: session.clusterUrl }] };
    if (!session.expiresOn) {
      item.text = `$(account) Kusto: ${user}`;
      item.backgroundColor = undefined;
      tooltip.appendMarkdown('No token for this cluster yet: one is fetched on the first request. Click to get it now.');
    } else {
      const level = expiryLevel(session.expiresOn, warnMinutes);
      item.text = `$(account) Kusto: ${user} · ${formatTimeToExpiry(session.expiresOn)}`;
      item.backgroundColor =
        level === 'ok' ? undefined : new vscode.ThemeColor(level === 'warning' ? 'statusBarItem.warningBackground' : 'statusBarItem.errorBackground');
      tooltip.appendMarkdown(
        `Token ${level === 'expired' ? 'expired' : 'expires'}: ${session.expiresOn.toLocaleString()} (${session.expiresOn.toISOString()})\n\n` +
          (level === 'expired' ? 'Click to get a new token.' : 'Click to refresh the token now.'),
      );
      const delay = msUntilDisplayChanges(session.expiresOn, warnMinutes);
      if (delay !== undefined) {
        this.timer = setTimeout(() => void this.update(), delay);
      }
    }
    item.tooltip = tooltip;
    item.show();
  }

  dispose(): void {
    this.clearTimer();
    this.generation++;
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }

  private clearTimer(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}

/** "alice" from "alice@contoso.com": the status bar has little room. */
function shortUser(username: string): string {
  const at = username.indexOf('@');
  return at > 0 ? username.slice(0, at) : username || 'signed in';
}
