import * as vscode from 'vscode';

/** A one-line row another feature shows under the accounts in the Accounts view (e.g. whether agents have access). */
export interface AccountsStatusLine {
  /** The row to show now, or undefined to show none. */
  item(): vscode.TreeItem | undefined;
}

/** The status rows of the Accounts view: features add theirs; the view redraws when one changes. */
export class AccountsStatusLines implements vscode.Disposable {
  private readonly lines: AccountsStatusLine[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  add(line: AccountsStatusLine): vscode.Disposable {
    this.lines.push(line);
    this.changed.fire();
    return new vscode.Disposable(() => {
      this.lines.splice(this.lines.indexOf(line), 1);
      this.changed.fire();
    });
  }

  /** Tell the view that a line's text changed. */
  refresh(): void {
    this.changed.fire();
  }

  items(): vscode.TreeItem[] {
    return this.lines.map((line) => line.item()).filter((item): item is vscode.TreeItem => item !== undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
