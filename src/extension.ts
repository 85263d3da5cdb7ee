import * as vscode from 'vscode';
import { registerEditorConnections } from './editorConnections';
import { registerAuth } from './auth/registerAuth';
import { KustoClientProvider } from './kustoClientProvider';
import { registerExplorer } from './explorer/registerExplorer';
import { registerQueryRunner } from './query/registerQueryRunner';
import { registerLanguageFeatures } from './language/registerLanguageFeatures';
import { ResultsPanel } from './results/resultsPanel';
import { AccountsStatusLines } from './auth/accountsStatusLines';
import { registerAgentAccess } from './agents/registerAgentAccess';
import { registerQueryHistory } from './history/registerQueryHistory';
import { registerResultsWorkflow } from './results/registerResultsWorkflow';
import { registerConnectionStringCommands } from './explorer/connectionStringCommands';

// Kept small and cheap: every feature registers its commands and views here, and loads MSAL, undici and the
// Kusto client only when first needed.
export function activate(context: vscode.ExtensionContext): void {
  const started = Date.now();
  const log = vscode.window.createOutputChannel('Kusto', { log: true });
  context.subscriptions.push(log);

  const connections = registerEditorConnections(context, { log });
  const accountsStatusLines = new AccountsStatusLines();
  context.subscriptions.push(accountsStatusLines);
  const auth = registerAuth(context, { activeConnection: connections, log, accountsStatusLines });
  const clients = new KustoClientProvider(auth, String(context.extension.packageJSON.version ?? '0.0.0'));
  const schema = registerExplorer(context, { auth, clients, connections, log });
  connections.setSchemaSource(schema);
  const results = new ResultsPanel(context, { log });
  const history = registerQueryHistory(context, { results, log });
  registerResultsWorkflow(context, { results });
  registerConnectionStringCommands(context);
  registerQueryRunner(context, { auth, clients, connections, results, log, runObserver: history });
  registerLanguageFeatures(context, { connections, store: schema.store, log });
  registerAgentAccess(context, { auth, clients, connections, schema, accountsStatusLines, log });

  log.info(`Kusto extension activated in ${Date.now() - started} ms`);
}

export function deactivate(): void {
  // Disposables registered in context.subscriptions are cleaned up by VS Code.
}
