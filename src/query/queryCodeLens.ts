// "▷ Run" and the connection name above every query block of a kql editor; the block being run shows a
// Cancel lens instead.

import * as vscode from 'vscode';
import { listBlocks } from '../core/kql/queryBlocks';
import type { EditorConnections } from '../editorConnections';

export interface RunningBlock {
  readonly documentUri: string;
  readonly startLine: number;
}

export class QueryCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly subscription: vscode.Disposable;
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  constructor(private readonly connections: EditorConnections, private readonly runningBlock: () => RunningBlock | undefined) {
    this.subscription = connections.onDidChangeConnections(() => this.refresh());
  }

  refresh(): void {
    this.changeEmitter.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const connection = this.connections.connectionFor(document);
    const running = this.runningBlock();
    const lenses: vscode.CodeLens[] = [];
    for (const block of listBlocks(document.getText())) {
      if (block.commentsOnly) {
        continue;
      }
      const lensRange = new vscode.Range(block.range.start.line, 0, block.range.start.line, 0);
      if (running?.documentUri === document.uri.toString() && running.startLine === block.range.start.line) {
        lenses.push(new vscode.CodeLens(lensRange, { title: '$(loading~spin) Running… Cancel', command: 'kusto.cancelQuery' }));
      } else {
        lenses.push(
          new vscode.CodeLens(lensRange, {
            title: '▷ Run',
            tooltip: 'Run this query (Shift+Enter)',
            command: 'kusto.runQuery',
            arguments: [{ uri: document.uri.toString(), range: block.range }],
          }),
        );
      }
      lenses.push(
        new vscode.CodeLens(lensRange, {
          title: connection ? this.connections.labelFor(connection) : 'No connection',
          tooltip: connection ? `${connection.clusterUrl}, database ${connection.database}. Click to change.` : 'Choose a connection',
          command: 'kusto.chooseConnection',
          arguments: [document.uri],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }
}
