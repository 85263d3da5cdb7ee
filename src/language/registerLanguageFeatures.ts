// KQL editing with Kusto.Language: completion, diagnostics, hover, signature help, formatting, definition,
// references and rename of names declared in a query. Thin glue: every answer comes from the language worker
// (src/core/language/languageWorker.ts, started when the first kql document opens, never on this thread) and is
// dropped when the document changed while it was computed.
import * as vscode from 'vscode';
import { LanguageClient, LanguageWorkerStoppedError, type DocumentSource } from '../core/language/languageClient';
import type { CompletionEntryKind, DatabaseKey, DiagnosticSeverityName } from '../core/language/languageProtocol';
import { databaseKeyId } from '../core/language/languageProtocol';
import { SEMANTIC_TOKEN_MODIFIERS, SEMANTIC_TOKEN_TYPES } from '../core/language/semanticTokens';
import { quoteKustoName } from '../core/schema/kustoNames';
import type { SchemaStore } from '../core/schema/schemaStore';
import { isKqlDocument, KQL_LANGUAGE_ID, type EditorConnections } from '../editorConnections';
import { LanguageSchemaFeed } from './languageSchemaFeed';

export interface LanguageFeatureDeps {
  readonly connections: Pick<EditorConnections, 'connectionFor' | 'onDidChangeConnections'>;
  readonly store: SchemaStore;
  readonly log: vscode.LogOutputChannel;
}

const DIAGNOSTICS_DELAY_MS = 250;
const SELECTOR: vscode.DocumentSelector = { language: KQL_LANGUAGE_ID };

// Built on first use, not when the module loads: loading dist/extension.js stays free of vscode lookups.
const completionKinds = (): Readonly<Record<CompletionEntryKind, vscode.CompletionItemKind>> => ({
  keyword: vscode.CompletionItemKind.Keyword,
  operator: vscode.CompletionItemKind.Keyword,
  column: vscode.CompletionItemKind.Field,
  table: vscode.CompletionItemKind.Class,
  materializedView: vscode.CompletionItemKind.Interface,
  function: vscode.CompletionItemKind.Function,
  aggregate: vscode.CompletionItemKind.Function,
  localFunction: vscode.CompletionItemKind.Function,
  databaseFunction: vscode.CompletionItemKind.Method,
  variable: vscode.CompletionItemKind.Variable,
  parameter: vscode.CompletionItemKind.Variable,
  database: vscode.CompletionItemKind.Module,
  cluster: vscode.CompletionItemKind.Module,
  renderChart: vscode.CompletionItemKind.EnumMember,
  type: vscode.CompletionItemKind.TypeParameter,
  option: vscode.CompletionItemKind.Property,
  punctuation: vscode.CompletionItemKind.Operator,
  other: vscode.CompletionItemKind.Text,
});

const severities = (): Readonly<Record<DiagnosticSeverityName, vscode.DiagnosticSeverity>> => ({
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
});

export function registerLanguageFeatures(context: vscode.ExtensionContext, deps: LanguageFeatureDeps): void {
  const features = new LanguageFeatures(context, deps);
  context.subscriptions.push(features);
}

class LanguageFeatures implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private feed: LanguageSchemaFeed | undefined;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('kusto');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Asks VS Code for semantic tokens again: a schema arrived or a connection changed (tables become tables). */
  private readonly tokensChanged = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext, private readonly deps: LanguageFeatureDeps) {
    const languages = vscode.languages;
    this.disposables.push(
      this.diagnostics,
      languages.registerCompletionItemProvider(SELECTOR, { provideCompletionItems: (d, p, t) => this.complete(d, p, t) }, ' ', '|', '(', '.', ','),
      languages.registerHoverProvider(SELECTOR, { provideHover: (d, p, t) => this.hover(d, p, t) }),
      languages.registerSignatureHelpProvider(SELECTOR, { provideSignatureHelp: (d, p, t) => this.signatureHelp(d, p, t) }, '(', ','),
      languages.registerDocumentFormattingEditProvider(SELECTOR, { provideDocumentFormattingEdits: (d, _o, t) => this.format(d, undefined, t) }),
      languages.registerDocumentRangeFormattingEditProvider(SELECTOR, { provideDocumentRangeFormattingEdits: (d, r, _o, t) => this.format(d, r, t) }),
      languages.registerDefinitionProvider(SELECTOR, { provideDefinition: (d, p, t) => this.definition(d, p, t) }),
      languages.registerReferenceProvider(SELECTOR, { provideReferences: (d, p, _c, t) => this.references(d, p, t) }),
      languages.registerRenameProvider(SELECTOR, {
        prepareRename: (d, p, t) => this.prepareRename(d, p, t),
        provideRenameEdits: (d, p, n, t) => this.rename(d, p, n, t),
      }),
      this.tokensChanged,
      ...this.registerSemanticTokens(),
      vscode.workspace.onDidOpenTextDocument((document) => this.opened(document)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (isKqlDocument(event.document) && event.contentChanges.length > 0) {
          this.schedule(event.document, DIAGNOSTICS_DELAY_MS);
        }
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        this.diagnostics.delete(document.uri);
        this.cancelTimer(document);
        this.client?.close(document.uri.toString());
      }),
      deps.connections.onDidChangeConnections(() => this.recheckAll()),
    );
    vscode.workspace.textDocuments.forEach((document) => this.opened(document));
  }

  dispose(): void {
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
    this.feed?.dispose();
    this.client?.dispose();
    this.disposables.splice(0).forEach((disposable) => disposable.dispose());
  }

  // ---- worker and documents -------------------------------------------------------------------------------

  /** The client, started on the first kql document: Kusto.Language loads in its worker, never at activation. */
  private ensureClient(): LanguageClient {
    if (!this.client) {
      const log = this.deps.log;
      this.client = new LanguageClient({
        workerPath: this.context.asAbsolutePath('dist/languageWorker.js'),
        vendorDirectory: this.context.asAbsolutePath('dist/vendor/kusto-language'),
        log: (level, message) => log[level](message),
      });
      this.feed = new LanguageSchemaFeed(this.deps.store, this.client, (key) => this.recheckUsing(key));
      this.client.start();
    }
    return this.client;
  }

  private opened(document: vscode.TextDocument): void {
    if (isKqlDocument(document)) {
      this.ensureClient();
      this.schedule(document, 0);
    }
  }

  private source(document: vscode.TextDocument): DocumentSource {
    const connection = this.deps.connections.connectionFor(document);
    const key: DatabaseKey | undefined = connection ? { clusterUrl: connection.clusterUrl, database: connection.database } : undefined;
    if (key) {
      this.feed?.ensure(key);
    }
    return { uri: document.uri.toString(), version: document.version, getText: () => document.getText(), ...(key ? { connection: key } : {}) };
  }

  /** Asks the worker; undefined when it was slow, stopped, or the document changed meanwhile. */
  private async ask<T>(document: vscode.TextDocument, token: vscode.CancellationToken | undefined, asking: (client: LanguageClient, source: DocumentSource) => Promise<T | undefined>): Promise<T | undefined> {
    const client = this.ensureClient();
    const version = document.version;
    try {
      const result = await asking(client, this.source(document));
      return token?.isCancellationRequested || document.version !== version ? undefined : result;
    } catch (error) {
      if (!(error instanceof LanguageWorkerStoppedError)) {
        this.deps.log.warn(`Kusto language service: ${error instanceof Error ? error.message : String(error)}`);
      }
      return undefined;
    }
  }

  // ---- diagnostics ----------------------------------------------------------------------------------------

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    this.cancelTimer(document);
    const key = document.uri.toString();
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.check(document);
      }, delayMs),
    );
  }

  private cancelTimer(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
  }

  private async check(document: vscode.TextDocument): Promise<void> {
    if (document.isClosed) {
      return;
    }
    const result = await this.ask(document, undefined, (client, source) => client.request('diagnostics', source, {}));
    if (!result || document.isClosed) {
      return;
    }
    const severity = severities();
    this.diagnostics.set(
      document.uri,
      result.diagnostics.map((item) => {
        const diagnostic = new vscode.Diagnostic(this.range(document, item.start, item.end), item.message, severity[item.severity]);
        diagnostic.code = item.code;
        diagnostic.source = 'Kusto';
        return diagnostic;
      }),
    );
    for (const key of result.missingDatabases) {
      this.feed?.ensure(key);
    }
  }

  private recheckAll(): void {
    vscode.workspace.textDocuments.filter(isKqlDocument).forEach((document) => this.schedule(document, 0));
    this.tokensChanged.fire();
  }

  private recheckUsing(key: DatabaseKey): void {
    const id = databaseKeyId(key);
    for (const document of vscode.workspace.textDocuments.filter(isKqlDocument)) {
      const connection = this.deps.connections.connectionFor(document);
      // Documents on another database of the same cluster may name this one with database('…').
      if (connection && (connection.clusterUrl === key.clusterUrl || databaseKeyId(connection) === id)) {
        this.schedule(document, 0);
      }
    }
    this.tokensChanged.fire();
  }

  /** A range from document offsets; an empty one at a line end is widened to the previous character. */
  private range(document: vscode.TextDocument, start: number, end: number): vscode.Range {
    const from = document.positionAt(start);
    const to = document.positionAt(Math.max(start, end));
    if (from.isEqual(to) && start > 0 && document.lineAt(from.line).range.end.isEqual(from) && from.character > 0) {
      return new vscode.Range(from.translate(0, -1), to);
    }
    return new vscode.Range(from, to);
  }

  // ---- semantic tokens (names the grammar cannot tell apart: tables, columns, functions, variables…) ---------

  private registerSemanticTokens(): vscode.Disposable[] {
    const legend = new vscode.SemanticTokensLegend([...SEMANTIC_TOKEN_TYPES], [...SEMANTIC_TOKEN_MODIFIERS]);
    return [
      vscode.languages.registerDocumentSemanticTokensProvider(
        SELECTOR,
        { onDidChangeSemanticTokens: this.tokensChanged.event, provideDocumentSemanticTokens: (d, t) => this.semanticTokens(d, undefined, t) },
        legend,
      ),
      // The visible part first, while the whole document is still being classified.
      vscode.languages.registerDocumentRangeSemanticTokensProvider(SELECTOR, { provideDocumentRangeSemanticTokens: (d, r, t) => this.semanticTokens(d, r, t) }, legend),
    ];
  }

  private async semanticTokens(document: vscode.TextDocument, range: vscode.Range | undefined, token: vscode.CancellationToken): Promise<vscode.SemanticTokens | undefined> {
    const bounds = range ? { start: document.offsetAt(range.start), end: document.offsetAt(range.end) } : {};
    const result = await this.ask(document, token, (client, source) => client.request('semanticTokens', source, bounds));
    if (!result) {
      // Stale or cancelled: VS Code asks again for the current text; anything but an error keeps its last tokens.
      throw new vscode.CancellationError();
    }
    return new vscode.SemanticTokens(result.data);
  }

  // ---- features -------------------------------------------------------------------------------------------

  private async complete(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.CompletionList | undefined> {
    const result = await this.ask(document, token, (client, source) => client.request('complete', source, { offset: document.offsetAt(position) }));
    if (!result) {
      return undefined;
    }
    let start = document.positionAt(result.editStart);
    let end = document.positionAt(result.editEnd);
    if (start.line !== position.line || start.isAfter(position)) {
      start = document.getWordRangeAtPosition(position)?.start ?? position;
    }
    if (end.line !== position.line || end.isBefore(position)) {
      end = position;
    }
    const range = { inserting: new vscode.Range(start, position), replacing: new vscode.Range(start, end) };
    const retrigger: vscode.Command = { command: 'editor.action.triggerSuggest', title: 'Suggest' };
    const kinds = completionKinds();
    const items = result.items.map((entry) => {
      const item = new vscode.CompletionItem(entry.label, kinds[entry.kind]);
      item.insertText = entry.isSnippet ? new vscode.SnippetString(entry.insertText) : entry.insertText;
      item.filterText = entry.filterText;
      item.sortText = entry.sortText;
      item.range = range;
      if (entry.retrigger) {
        item.command = retrigger;
      }
      return item;
    });
    return new vscode.CompletionList(items, false);
  }

  private async hover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const result = await this.ask(document, token, (client, source) => client.request('hover', source, { offset: document.offsetAt(position) }));
    if (!result) {
      return undefined;
    }
    const [signature, ...rest] = result.text.split(/\n\s*\n/);
    const markdown = new vscode.MarkdownString();
    markdown.appendCodeblock(signature, KQL_LANGUAGE_ID);
    for (const paragraph of rest) {
      markdown.appendText(paragraph.trim());
      markdown.appendMarkdown('\n\n');
    }
    return new vscode.Hover(markdown, document.getWordRangeAtPosition(position));
  }

  private async signatureHelp(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.SignatureHelp | undefined> {
    const result = await this.ask(document, token, (client, source) => client.request('signatureHelp', source, { offset: document.offsetAt(position) }));
    if (!result) {
      return undefined;
    }
    const help = new vscode.SignatureHelp();
    help.signatures = result.signatures.map((signature) => {
      const information = new vscode.SignatureInformation(signature.label, signature.documentation);
      information.parameters = signature.parameters.map((parameter) => new vscode.ParameterInformation(parameter.label, parameter.documentation));
      return information;
    });
    help.activeSignature = result.activeSignature;
    help.activeParameter = result.activeParameter;
    return help;
  }

  private async format(document: vscode.TextDocument, range: vscode.Range | undefined, token: vscode.CancellationToken): Promise<vscode.TextEdit[] | undefined> {
    const bounds = range ? { start: document.offsetAt(range.start), end: document.offsetAt(range.end) } : {};
    const edits = await this.ask(document, token, (client, source) => client.request('format', source, bounds));
    return edits?.map((edit) => vscode.TextEdit.replace(new vscode.Range(document.positionAt(edit.start), document.positionAt(edit.end)), edit.newText));
  }

  private related(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken) {
    return this.ask(document, token, (client, source) => client.request('related', source, { offset: document.offsetAt(position) }));
  }

  private async definition(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Location[] | undefined> {
    const related = await this.related(document, position, token);
    const declaration = related?.elements.find((element) => element.isDeclaration);
    return declaration ? [new vscode.Location(document.uri, this.range(document, declaration.start, declaration.end))] : undefined;
  }

  private async references(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Location[] | undefined> {
    const related = await this.related(document, position, token);
    return related?.elements.map((element) => new vscode.Location(document.uri, this.range(document, element.start, element.end)));
  }

  private async prepareRename(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Range> {
    const related = await this.related(document, position, token);
    const current = related?.elements[related.current];
    if (!related || !current || !related.elements.some((element) => element.isDeclaration)) {
      throw new Error('Only a name declared in this query (let, a parameter, a column made by extend or project) can be renamed here.');
    }
    return this.range(document, current.start, current.end);
  }

  private async rename(document: vscode.TextDocument, position: vscode.Position, newName: string, token: vscode.CancellationToken): Promise<vscode.WorkspaceEdit | undefined> {
    const related = await this.related(document, position, token);
    if (!related || !related.elements.some((element) => element.isDeclaration)) {
      return undefined;
    }
    const edit = new vscode.WorkspaceEdit();
    const name = quoteKustoName(newName.trim());
    for (const element of related.elements) {
      edit.replace(document.uri, this.range(document, element.start, element.end), name);
    }
    return edit;
  }
}
