// Kusto for AI agents in VS Code: the language model tools (#kusto…) and the same tools as an MCP server for any
// MCP agent, over the user's own sign-in. Thin glue over src/core/agents: this file decides only VS Code things —
// the confirmation shown before a query, the "always allow for this cluster" memory (workspaceState), the settings,
// the Accounts view's status line, and stopping everything at sign-out or when the user turns agent access off.

import * as vscode from 'vscode';
import type { ActiveConnectionSource } from '../activeConnection';
import type { AccountsStatusLines } from '../auth/accountsStatusLines';
import { readClusterConnections } from '../clusterSettings';
import { AGENT_TOOL_DEFINITIONS, AgentTools, type AgentToolName, type QueryApprovalRequest } from '../core/agents/agentTools';
import { ClusterApprovals } from '../core/agents/clusterApprovals';
import type { RunningAgentMcpServer } from '../core/agents/mcpServer';
import { DEFAULT_MODEL_RESULT_LIMITS, type ModelResultLimits } from '../core/agents/resultForModel';
import { checkAgentQuery } from '../core/agents/commandGuard';
import { affectsClusterAccess } from '../core/auth/authEvents';
import type { DatabaseSchema } from '../core/schema/schemaModel';
import type { KustoAuth } from '../kustoAuth';
import type { KustoClientProvider } from '../kustoClientProvider';

export interface AgentAccessDeps {
  readonly auth: KustoAuth;
  readonly clients: Pick<KustoClientProvider, 'get' | 'requestDefaults'>;
  readonly connections: ActiveConnectionSource;
  readonly schema: { getDatabaseSchema(clusterUrl: string, database: string): Promise<DatabaseSchema> };
  readonly accountsStatusLines: AccountsStatusLines;
  readonly log: vscode.LogOutputChannel;
}

const MCP_PROVIDER_ID = 'kusto.agentTools';
const ALLOW_CLUSTER_COMMAND = 'kusto.agents.allowCluster';

export function registerAgentAccess(context: vscode.ExtensionContext, deps: AgentAccessDeps): void {
  const access = new AgentAccess(context, deps);
  context.subscriptions.push(access);
}

class AgentAccess implements vscode.Disposable {
  private readonly tools: AgentTools;
  private readonly approvals: ClusterApprovals;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly mcpChanged = new vscode.EventEmitter<void>();
  private mcpServer: Promise<RunningAgentMcpServer> | undefined;
  private readonly version: string;

  constructor(context: vscode.ExtensionContext, private readonly deps: AgentAccessDeps) {
    this.version = String(context.extension.packageJSON.version ?? '0.0.0');
    this.approvals = new ClusterApprovals(context.workspaceState);
    this.tools = new AgentTools({
      connections: readClusterConnections,
      activeConnection: () => deps.connections.active,
      hasSession: (clusterUrl) => deps.auth.hasSession(clusterUrl),
      getDatabaseSchema: (clusterUrl, database) => deps.schema.getDatabaseSchema(clusterUrl, database),
      execute: async (request) => {
        const client = await deps.clients.get();
        deps.log.info(`Agent query on ${request.clusterUrl}, database ${request.database}`);
        return client.execute({ ...request, ...deps.clients.requestDefaults(), requestKind: 'AgentQuery' });
      },
      signIn: (clusterUrl) => deps.auth.signIn(clusterUrl),
      // MCP calls arrive here unconfirmed: the user is asked in VS Code (the language model tools pass approved).
      approve: (request) => this.askToRun(request),
      limits: readLimits,
      isEnabled: isAgentAccessEnabled,
    });

    for (const definition of AGENT_TOOL_DEFINITIONS) {
      this.disposables.push(vscode.lm.registerTool(definition.name, this.languageModelTool(definition.name)));
    }
    this.registerMcpProvider();
    this.disposables.push(
      this.mcpChanged,
      deps.accountsStatusLines.add({ item: () => this.statusItem() }),
      vscode.commands.registerCommand('kusto.agents.turnOff', () => this.setEnabled(false)),
      vscode.commands.registerCommand('kusto.agents.turnOn', () => this.setEnabled(true)),
      vscode.commands.registerCommand(ALLOW_CLUSTER_COMMAND, (clusterUrl?: unknown) => this.allowCluster(clusterUrl)),
      vscode.commands.registerCommand('kusto.agents.forgetAllowedClusters', async () => {
        await this.approvals.forget();
        void vscode.window.showInformationMessage('Agents must ask again before every Kusto query in this workspace.');
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('kusto.agents.enabled')) {
          if (!isAgentAccessEnabled()) {
            void this.revokeAll('agent access was turned off');
          }
          this.mcpChanged.fire();
          deps.accountsStatusLines.refresh();
        }
      }),
      // Only a sign-out or another account can take a cluster away from agents; new tokens cannot.
      deps.auth.onDidChangeSessions((event) => affectsClusterAccess(event) && void this.afterSessionChange()),
    );
  }

  dispose(): void {
    void this.stopMcpServer();
    this.tools.revoke();
    this.disposables.splice(0).forEach((disposable) => disposable.dispose());
  }

  private languageModelTool(name: AgentToolName): vscode.LanguageModelTool<Record<string, unknown>> {
    return {
      prepareInvocation: (options) => this.prepareInvocation(name, options.input),
      invoke: async (options, token) => {
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => controller.abort());
        try {
          // VS Code asked the user in prepareInvocation's confirmation (or the cluster is always allowed).
          const outcome = await this.tools.call(name, options.input, { signal: controller.signal, approved: true });
          return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(outcome.isError ? `Error: ${outcome.text}` : outcome.text)]);
        } finally {
          subscription.dispose();
        }
      },
    };
  }

  private prepareInvocation(name: AgentToolName, input: unknown): vscode.PreparedToolInvocation {
    if (name !== 'kusto_run_query' && name !== 'kusto_sample') {
      return { invocationMessage: name === 'kusto_list_connections' ? 'Listing Kusto connections' : 'Reading Kusto schema' };
    }
    let prepared: QueryApprovalRequest | undefined;
    try {
      prepared = this.tools.prepareQuery(name, input);
    } catch {
      // Bad input: invoke() tells the model what to fix; nothing is sent, so there is nothing to confirm.
    }
    if (!prepared || !checkAgentQuery(prepared.query).allowed || !isAgentAccessEnabled()) {
      return { invocationMessage: 'Checking the Kusto query' };
    }
    const where = `${prepared.clusterName} / ${prepared.database}`;
    if (this.approvals.isAllowed(prepared.clusterUrl)) {
      return { invocationMessage: `Running a Kusto query on ${where} (always allowed on this cluster)` };
    }
    const message = new vscode.MarkdownString(undefined, true);
    const allowLink = `command:${ALLOW_CLUSTER_COMMAND}?${encodeURIComponent(JSON.stringify([prepared.clusterUrl]))}`;
    // A link in a chat's confirmation; where the message shows as plain text (a dialog) the same words name the command.
    // The query comes last: plain text joins whatever follows a code block onto its last line.
    message.appendMarkdown(
      `**Cluster:** ${escapeMarkdown(prepared.clusterName)} (\`${prepared.clusterUrl}\`)  \n**Database:** ${escapeMarkdown(prepared.database)}  \n` +
        `To stop asking on this cluster in this workspace: [Kusto: Always Allow Agent Queries on a Cluster…](${allowLink} "Remembered for this workspace")\n\n` +
        'The query, run with your Kusto sign-in:\n\n',
    );
    message.appendCodeblock(prepared.query, 'kql');
    message.isTrusted = { enabledCommands: [ALLOW_CLUSTER_COMMAND] };
    return {
      invocationMessage: `Running a Kusto query on ${where}`,
      confirmationMessages: { title: name === 'kusto_sample' ? 'Sample a Kusto table?' : 'Run a Kusto query?', message },
    };
  }

  /** MCP path: our own prompt, with the query text and "always allow for this cluster". */
  private async askToRun(request: QueryApprovalRequest): Promise<boolean> {
    if (this.approvals.isAllowed(request.clusterUrl)) {
      return true;
    }
    const run = 'Run Query';
    const always = 'Always Allow on This Cluster';
    const choice = await vscode.window.showWarningMessage(
      `An AI agent (MCP) wants to run a Kusto query on ${request.clusterName} (${request.clusterUrl}), database ${request.database}.`,
      { modal: true, detail: request.query },
      run,
      always,
    );
    if (choice === always) {
      await this.approvals.allow(request.clusterUrl);
      this.deps.log.info(`Agent queries on ${request.clusterUrl} are allowed without asking in this workspace.`);
    }
    return choice === run || choice === always;
  }

  private async allowCluster(argument: unknown): Promise<void> {
    const connections = readClusterConnections();
    let clusterUrl = Array.isArray(argument) ? argument[0] : argument;
    if (typeof clusterUrl !== 'string' || !connections.some((c) => c.url === clusterUrl)) {
      const pick = await vscode.window.showQuickPick(
        connections.map((c) => ({ label: c.name, description: c.url, url: c.url })),
        { title: 'Let AI agents run Kusto queries on this cluster without asking (this workspace)' },
      );
      clusterUrl = pick?.url;
    }
    if (typeof clusterUrl === 'string') {
      await this.approvals.allow(clusterUrl);
      void vscode.window.showInformationMessage(
        `Agents may run Kusto queries on ${clusterUrl} without asking in this workspace. "Kusto: Ask Again Before Agent Queries" undoes it.`,
      );
    }
  }

  private registerMcpProvider(): void {
    // Older hosts without MCP support keep the language model tools.
    if (typeof vscode.lm.registerMcpServerDefinitionProvider !== 'function') {
      return;
    }
    this.disposables.push(
      vscode.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
        onDidChangeMcpServerDefinitions: this.mcpChanged.event,
        provideMcpServerDefinitions: () =>
          // Cheap: the server (and the MCP SDK) start only when VS Code resolves the definition to use it.
          isAgentAccessEnabled() ? [new vscode.McpHttpServerDefinition('Kusto', vscode.Uri.parse('http://127.0.0.1/mcp'), {}, this.version)] : [],
        resolveMcpServerDefinition: async (definition) => {
          if (!isAgentAccessEnabled()) {
            throw new Error('Kusto agent access is turned off (setting kusto.agents.enabled).');
          }
          const server = await this.ensureMcpServer();
          // This provider only offers HTTP definitions. The secret travels only here, in memory, to VS Code's MCP client.
          const http = definition as vscode.McpHttpServerDefinition;
          http.uri = vscode.Uri.parse(server.url);
          http.headers = { Authorization: `Bearer ${server.secret}` };
          return http;
        },
      }),
    );
  }

  private ensureMcpServer(): Promise<RunningAgentMcpServer> {
    this.mcpServer ??= import('../core/agents/mcpServer').then(({ startAgentMcpServer }) =>
      startAgentMcpServer({ tools: this.tools, version: this.version, log: (line) => this.deps.log.info(line) }),
    );
    this.mcpServer.then(
      () => this.deps.accountsStatusLines.refresh(),
      (error: unknown) => {
        this.mcpServer = undefined;
        this.deps.log.error(`The Kusto MCP server did not start: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    return this.mcpServer;
  }

  private async stopMcpServer(): Promise<boolean> {
    const running = this.mcpServer;
    this.mcpServer = undefined;
    if (!running) {
      return false;
    }
    await (await running.catch(() => undefined))?.close();
    return true;
  }

  /** Stops calls in flight and the MCP server (its secret dies with it); VS Code is told the definition changed. */
  private async revokeAll(reason: string): Promise<void> {
    const stopped = this.tools.revoke();
    const hadServer = await this.stopMcpServer();
    if (stopped || hadServer) {
      this.deps.log.info(`Agent access revoked (${reason}): ${stopped} call(s) stopped${hadServer ? ', MCP server stopped' : ''}.`);
    }
    this.mcpChanged.fire();
    this.deps.accountsStatusLines.refresh();
  }

  /** A sign-out revokes agent access at once: calls on clusters without a session stop; nobody signed in stops MCP. */
  private async afterSessionChange(): Promise<void> {
    for (const clusterUrl of this.tools.activeClusters()) {
      if (!(await this.deps.auth.hasSession(clusterUrl).catch(() => false))) {
        const stopped = this.tools.revoke(clusterUrl);
        this.deps.log.info(`Signed out of ${clusterUrl}: ${stopped} agent call(s) stopped.`);
      }
    }
    const sessions = await Promise.all(readClusterConnections().map((c) => this.deps.auth.hasSession(c.url).catch(() => false)));
    if (this.mcpServer && !sessions.some(Boolean)) {
      await this.revokeAll('signed out');
    }
    this.deps.accountsStatusLines.refresh();
  }

  private async setEnabled(enabled: boolean): Promise<void> {
    await vscode.workspace.getConfiguration('kusto').update('agents.enabled', enabled, vscode.ConfigurationTarget.Global);
    if (!enabled) {
      await this.revokeAll('turned off by the user');
    }
    void vscode.window.showInformationMessage(
      enabled
        ? 'Kusto agent access is on: AI agents in VS Code can list your connections, read schemas and run queries you approve.'
        : 'Kusto agent access is off: agents can no longer use your Kusto sign-in.',
    );
  }

  private statusItem(): vscode.TreeItem {
    const enabled = isAgentAccessEnabled();

    const item = new vscode.TreeItem(enabled ? 'Agent access: on' : 'Agent access: off', vscode.TreeItemCollapsibleState.None);
    item.id = 'kusto.agentAccess';
    item.contextValue = enabled ? 'kusto.agentAccessOn' : 'kusto.agentAccessOff';
    item.iconPath = new vscode.ThemeIcon(enabled ? 'robot' : 'circle-slash');
    item.description = enabled ? (this.mcpServer ? 'MCP server running' : '#kusto tools') : 'agents cannot use your sign-in';
    item.tooltip = enabled
      ? 'AI agents in VS Code (language model tools and MCP) can list your Kusto connections, read schemas and run queries you confirm, ' +
        'with your sign-in. Tokens never leave VS Code. Click to turn off.'
      : 'Agents cannot use your Kusto sign-in. Click to turn agent access on.';
    item.command = { command: enabled ? 'kusto.agents.turnOff' : 'kusto.agents.turnOn', title: enabled ? 'Turn Off Agent Access' : 'Turn On Agent Access' };
    return item;
  }
}

function isAgentAccessEnabled(): boolean {
  return vscode.workspace.getConfiguration('kusto').get<boolean>('agents.enabled', true) !== false;
}

function readLimits(): ModelResultLimits {
  const config = vscode.workspace.getConfiguration('kusto.agents');
  const maxRows = config.get<number>('maxRows', DEFAULT_MODEL_RESULT_LIMITS.maxRows);
  const maxBytes = config.get<number>('maxResultBytes', DEFAULT_MODEL_RESULT_LIMITS.maxBytes);
  return {
    maxRows: Number.isFinite(maxRows) ? Math.min(10_000, Math.max(1, Math.floor(maxRows))) : DEFAULT_MODEL_RESULT_LIMITS.maxRows,
    maxBytes: Number.isFinite(maxBytes) ? Math.min(1_048_576, Math.max(1024, Math.floor(maxBytes))) : DEFAULT_MODEL_RESULT_LIMITS.maxBytes,
    format: config.get<string>('resultFormat') === 'csv' ? 'csv' : 'markdown',
  };
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
