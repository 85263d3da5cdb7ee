// Commands on the results tab that belong to the daily workflow: pin the tab so the next run opens a new one.

import * as vscode from 'vscode';
import type { ResultsPanel } from './resultsPanel';

export function registerResultsWorkflow(context: vscode.ExtensionContext, deps: { results: ResultsPanel }): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('kusto.pinResults', () => {
      if (!deps.results.pin()) {
        void vscode.window.showInformationMessage('There is no results tab to pin: run a query first.');
      }
    }),
  );
}
