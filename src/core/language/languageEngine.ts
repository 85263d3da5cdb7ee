// The language worker's brain, vscode-free and thread-free (unit-tested in process): holds the schemas as
// Kusto.Language symbols per (cluster, database), each open document split into blocks exactly as the runner
// splits them, and one Kusto.Language code service per block (it caches parse and analysis, so an edit re-checks
// only the block it touched). Offsets in and out are document offsets.
import { listBlockSpans } from '../kql/queryBlocks';
import type { DatabaseSchema } from '../schema/schemaModel';
import { toCompletionEntries } from './completionMapping';
import { installCompletionMemo } from './completionMemo';
import { encodeSemanticTokens, LineIndex, semanticTokenType, type ClassifiedSpan } from './semanticTokens';
import { combinedSchemaState, filterDiagnostics } from './diagnosticsFilter';
import type { KustoCodeService, KustoFunctionCall, KustoGlobalState, KustoLanguageLibrary, KustoSymbol, KustoSyntaxToken } from './kustoLanguageLibrary';
import {
  databaseKeyId,
  type CompletionResult,
  type DatabaseKey,
  type DiagnosticsResult,
  type DocumentRef,
  type HoverResult,
  type LanguageDiagnostic,
  type Notification,
  type RelatedResult,
  type SchemaState,
  type SemanticTokensResult,
  type SignatureHelpResult,
  type TextEditResult,
} from './languageProtocol';
import { clusterSymbolName, databaseSymbol, emptyDatabaseSymbol } from './schemaSymbols';

export interface LanguageEngineOptions {
  /** Blocks longer than this are not given to the service (a pasted log, a generated file). */
  readonly maxBlockCharacters?: number;
  /** Diagnostics look at the document's blocks up to this many characters in all… */
  readonly maxCheckedCharacters?: number;
  /** …and at most this many blocks (each costs a parse and a bound tree kept for the next edit). */
  readonly maxCheckedBlocks?: number;
}

const DEFAULT_MAX_BLOCK_CHARACTERS = 200_000;
const DEFAULT_MAX_CHECKED_CHARACTERS = 1_000_000;
const DEFAULT_MAX_CHECKED_BLOCKS = 500;

interface DatabaseEntry {
  readonly name: string;
  state: SchemaState;
  symbol?: KustoSymbol;
}

interface PendingSchema {
  info: Partial<DatabaseSchema>;
  tables: DatabaseSchema['tables'][number][];
  materializedViews: DatabaseSchema['materializedViews'][number][];
  externalTables: DatabaseSchema['externalTables'][number][];
  functions: DatabaseSchema['functions'][number][];
}

interface Block {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly commentsOnly: boolean;
  service?: KustoCodeService;
  globals?: KustoGlobalState;
}

interface DocumentState {
  readonly uri: string;
  version: number;
  text: string;
  connection?: DatabaseKey;
  blocks: Block[];
  lines?: LineIndex;
}

/** Thrown when a request names a document version the engine has not been given the text of. */
export class UnsyncedDocumentError extends Error {
  constructor(uri: string) {
    super(`The language worker does not have the current text of ${uri}.`);
    this.name = 'UnsyncedDocumentError';
  }
}

export class LanguageEngine {
  /** clusterUrl → lower-case database name → entry. */
  private readonly clusters = new Map<string, Map<string, DatabaseEntry>>();
  private readonly pending = new Map<string, PendingSchema>();
  private readonly documents = new Map<string, DocumentState>();
  private globalsCache = new Map<string, KustoGlobalState>();
  private readonly maxBlockCharacters: number;
  private readonly maxCheckedCharacters: number;
  private readonly maxCheckedBlocks: number;

  constructor(private readonly library: KustoLanguageLibrary, options: LanguageEngineOptions = {}) {
    this.maxBlockCharacters = options.maxBlockCharacters ?? DEFAULT_MAX_BLOCK_CHARACTERS;
    this.maxCheckedCharacters = options.maxCheckedCharacters ?? DEFAULT_MAX_CHECKED_CHARACTERS;
    this.maxCheckedBlocks = options.maxCheckedBlocks ?? DEFAULT_MAX_CHECKED_BLOCKS;
    installCompletionMemo(library);
  }

  /**
   * Runs the features once on a tiny query so that the first real request does not pay the JIT's cold start (and
   * finds the built-in functions' completion items already made), as steps: completion first (the one a person
   * waits for) where an expression, an operator and an aggregate start, then diagnostics, hover and formatting. The
   * worker runs one step per turn of its event loop, so a real request that arrives meanwhile is answered between.
   */
  warmUpSteps(): Array<() => void> {
    const language = this.library.language;
    const text = 'let T = datatable(a:string, b:long)[];\nT | where a == "x" | summarize count() by b | render timechart';
    const service = () => new language.Editor.KustoCodeService.$ctor1(text, language.GlobalState.Default);
    const completeAfter = (marker: string) => () => {
      const info = service().GetCompletionItems(text.indexOf(marker) + marker.length, language.Editor.CompletionOptions.Default);
      toCompletionEntries(this.library.toArray(info?.Items));
    };
    return [
      completeAfter('| where '),
      completeAfter('| '),
      completeAfter('summarize '),
      () => service().GetDiagnostics(true),
      () => service().GetAnalyzerDiagnostics(true),
      () => service().GetQuickInfo(38),
      () => service().GetFormattedText(this.formattingOptions()),
    ];
  }

  // ---- schemas --------------------------------------------------------------------------------------------

  notify(message: Notification): void {
    switch (message.type) {
      case 'schemaBegin':
        this.pending.set(databaseKeyId(message.key), {
          info: message.info ?? { name: message.key.database },
          tables: [],
          materializedViews: [],
          externalTables: [],
          functions: [],
        });
        if (message.state !== 'loaded') {
          this.setSchemaState(message.key, message.state);
        }
        break;
      case 'schemaPart': {
        const pending = this.pending.get(databaseKeyId(message.key));
        if (pending) {
          pending.tables.push(...(message.part.tables ?? []));
          pending.materializedViews.push(...(message.part.materializedViews ?? []));
          pending.externalTables.push(...(message.part.externalTables ?? []));
          pending.functions.push(...(message.part.functions ?? []));
        }
        break;
      }
      case 'schemaEnd': {
        const id = databaseKeyId(message.key);
        const pending = this.pending.get(id);
        this.pending.delete(id);
        if (pending) {
          this.setSchema(message.key, {
            name: pending.info.name ?? message.key.database,
            prettyName: pending.info.prettyName,
            tables: pending.tables,
            materializedViews: pending.materializedViews,
            externalTables: pending.externalTables,
            functions: pending.functions,
          });
        }
        break;
      }
      case 'schemaState':
        this.setSchemaState(message.key, message.state);
        break;
      case 'databaseNames':
        this.setDatabaseNames(message.clusterUrl, message.names);
        break;
      case 'close':
        this.documents.delete(message.uri);
        break;
    }
  }

  /** Makes `schema` the symbols of `key` (replacing what was there: the explorer's Refresh). */
  setSchema(key: DatabaseKey, schema: DatabaseSchema): void {
    const entry = this.databaseEntry(key.clusterUrl, key.database);
    entry.symbol = databaseSymbol(this.library.language, { ...schema, name: entry.name });
    entry.state = 'loaded';
    this.schemasChanged();
  }

  setSchemaState(key: DatabaseKey, state: SchemaState): void {
    const entry = this.databaseEntry(key.clusterUrl, key.database);
    if (entry.state !== state) {
      entry.state = state;
      // A database that was loaded keeps its symbols while it reloads: names stay resolvable.
      this.schemasChanged();
    }
  }

  /** Names of a cluster's databases (completion of `database('…')`), their schemas unknown until loaded. */
  setDatabaseNames(clusterUrl: string, names: readonly string[]): void {
    let added = false;
    for (const name of names) {
      const databases = this.clusterDatabases(clusterUrl);
      if (!databases.has(name.toLowerCase())) {
        databases.set(name.toLowerCase(), { name, state: 'unknown' });
        added = true;
      }
    }
    if (added) {
      this.schemasChanged();
    }
  }

  schemaState(key: DatabaseKey): SchemaState {
    return this.clusters.get(key.clusterUrl)?.get(key.database.toLowerCase())?.state ?? 'unknown';
  }

  private clusterDatabases(clusterUrl: string): Map<string, DatabaseEntry> {
    let databases = this.clusters.get(clusterUrl);
    if (!databases) {
      databases = new Map();
      this.clusters.set(clusterUrl, databases);
    }
    return databases;
  }

  private databaseEntry(clusterUrl: string, database: string): DatabaseEntry {
    const databases = this.clusterDatabases(clusterUrl);
    let entry = databases.get(database.toLowerCase());
    if (!entry) {
      entry = { name: database, state: 'unknown' };
      databases.set(database.toLowerCase(), entry);
    }
    return entry;
  }

  private schemasChanged(): void {
    this.globalsCache = new Map();
  }

  /** Globals for a document's connection: every known cluster and database, the connection's in scope. */
  private globalsFor(connection: DatabaseKey | undefined): KustoGlobalState {
    const id = connection ? databaseKeyId(connection) : '';
    const cached = this.globalsCache.get(id);
    if (cached) {
      return cached;
    }
    const language = this.library.language;
    if (connection) {
      this.databaseEntry(connection.clusterUrl, connection.database);
    }
    let current: { cluster: KustoSymbol; database: KustoSymbol } | undefined;
    const clusterSymbols: KustoSymbol[] = [];
    for (const [clusterUrl, databases] of this.clusters) {
      const databaseSymbols: KustoSymbol[] = [];
      let currentDatabase: KustoSymbol | undefined;
      for (const entry of databases.values()) {
        const symbol = entry.symbol ?? emptyDatabaseSymbol(language, entry.name);
        databaseSymbols.push(symbol);
        if (connection && clusterUrl === connection.clusterUrl && entry.name.toLowerCase() === connection.database.toLowerCase()) {
          currentDatabase = symbol;
        }
      }
      const cluster = new language.Symbols.ClusterSymbol.ctor(clusterSymbolName(clusterUrl), databaseSymbols);
      clusterSymbols.push(cluster);
      if (currentDatabase) {
        current = { cluster, database: currentDatabase };
      }
    }
    let globals = language.GlobalState.Default;
    if (clusterSymbols.length > 0) {
      globals = globals.WithClusterList(clusterSymbols);
    }
    if (current) {
      globals = globals.WithCluster(current.cluster).WithDatabase(current.database);
    }
    this.globalsCache.set(id, globals);
    return globals;
  }

  // ---- documents ------------------------------------------------------------------------------------------

  /** Brings the engine's copy of a document up to `ref` (text given) or checks it already is. */
  sync(ref: DocumentRef): DocumentState {
    const existing = this.documents.get(ref.uri);
    if (ref.text === undefined) {
      if (!existing || existing.version !== ref.version) {
        throw new UnsyncedDocumentError(ref.uri);
      }
      if (!sameKey(existing.connection, ref.connection)) {
        existing.connection = ref.connection;
      }
      return existing;
    }
    if (existing && existing.version === ref.version && existing.text === ref.text) {
      existing.connection = ref.connection;
      return existing;
    }
    const previous = new Map<string, Block>();
    for (const block of existing?.blocks ?? []) {
      if (block.service) {
        previous.set(block.text, block);
      }
    }
    const text = ref.text;
    const blocks = listBlockSpans(text).map((span): Block => {
      const blockText = text.slice(span.start, span.end);
      const reused = previous.get(blockText);
      return { ...span, text: blockText, service: reused?.service, globals: reused?.globals };
    });
    const state: DocumentState = { uri: ref.uri, version: ref.version, text, connection: ref.connection, blocks };
    this.documents.set(ref.uri, state);
    return state;
  }

  close(uri: string): void {
    this.documents.delete(uri);
  }

  /** The block an offset belongs to: inside one, or at its end (typing at the end of the last line). */
  private blockAt(document: DocumentState, offset: number): Block | undefined {
    let low = 0;
    let high = document.blocks.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const block = document.blocks[middle];
      if (offset < block.start) {
        high = middle - 1;
      } else if (offset > block.end) {
        low = middle + 1;
      } else {
        return block;
      }
    }
    return undefined;
  }

  private serviceOf(document: DocumentState, block: Block): KustoCodeService | undefined {
    if (block.text.length > this.maxBlockCharacters) {
      return undefined;
    }
    const globals = this.globalsFor(document.connection);
    if (!block.service || block.globals !== globals) {
      block.service = new this.library.language.Editor.KustoCodeService.$ctor1(block.text, globals);
      block.globals = globals;
    }
    return block.service;
  }

  private serviceAt(ref: DocumentRef, offset: number): { block: Block; service: KustoCodeService } | undefined {
    const document = this.sync(ref);
    const block = this.blockAt(document, offset);
    const service = block && this.serviceOf(document, block);
    return block && service ? { block, service } : undefined;
  }

  // ---- features -------------------------------------------------------------------------------------------

  complete(ref: DocumentRef, offset: number): CompletionResult {
    const document = this.sync(ref);
    let found = this.serviceAt(ref, offset);
    if (!found) {
      // A blank line between blocks: complete as the start of a new query.
      if (this.blockAt(document, offset) || offset < 0 || offset > document.text.length) {
        return { editStart: offset, editEnd: offset, items: [] };
      }
      const service = new this.library.language.Editor.KustoCodeService.$ctor1('', this.globalsFor(document.connection));
      found = { block: { start: offset, end: offset, text: '', commentsOnly: false }, service };
    }
    const { block, service } = found;
    const info = service.GetCompletionItems(offset - block.start, this.library.language.Editor.CompletionOptions.Default);
    if (!info) {
      return { editStart: offset, editEnd: offset, items: [] };
    }
    const editStart = block.start + info.EditStart;
    return {
      editStart,
      editEnd: editStart + info.EditLength,
      items: toCompletionEntries(this.library.toArray(info.Items)),
    };
  }

  /**
   * Diagnostics of every block (up to maxCheckedCharacters), with unknown-name errors held back where a schema is
   * missing. `pause` lets the caller answer other requests between blocks (the worker yields to its event loop).
   */
  async diagnostics(ref: DocumentRef, pause: () => Promise<boolean> = async () => true): Promise<DiagnosticsResult> {
    const document = this.sync(ref);
    const diagnostics: LanguageDiagnostic[] = [];
    const missing = new Map<string, DatabaseKey>();
    let heldBack = 0;
    let checked = 0;
    let blocks = 0;
    for (const block of document.blocks) {
      if (block.commentsOnly) {
        continue;
      }
      checked += block.text.length;
      blocks++;
      if (checked > this.maxCheckedCharacters || blocks > this.maxCheckedBlocks) {
        diagnostics.push(
          notChecked(
            block,
            `Queries from here on are not checked as you type: the file has more than ${
              blocks > this.maxCheckedBlocks
                ? `${this.maxCheckedBlocks.toLocaleString('en-US')} queries`
                : `${this.maxCheckedCharacters.toLocaleString('en-US')} characters of queries`
            }. Completion and hover still work everywhere.`,
          ),
        );
        break;
      }
      if (block.text.length > this.maxBlockCharacters) {
        diagnostics.push(notChecked(block, `This query is not checked: it is longer than ${this.maxBlockCharacters.toLocaleString('en-US')} characters.`));
        continue;
      }
      if (!(await pause()) || this.documents.get(ref.uri) !== document) {
        break;
      }
      const result = this.blockDiagnostics(document, block);
      diagnostics.push(...result.diagnostics);
      heldBack += result.heldBack;
      for (const key of result.missing) {
        missing.set(databaseKeyId(key), key);
      }
    }
    return { diagnostics, missingDatabases: [...missing.values()], heldBack };
  }

  private blockDiagnostics(document: DocumentState, block: Block): { diagnostics: LanguageDiagnostic[]; heldBack: number; missing: DatabaseKey[] } {
    const service = this.serviceOf(document, block);
    if (!service) {
      return { diagnostics: [], heldBack: 0, missing: [] };
    }
    const states: SchemaState[] = [document.connection ? this.schemaState(document.connection) : 'unknown'];
    const missing: DatabaseKey[] = [];
    for (const reference of this.library.toArray(service.GetDatabaseReferences())) {
      const key = this.referencedKey(reference.Cluster, reference.Database, document.connection);
      if (key) {
        const state = this.schemaState(key);
        states.push(state);
        if (state === 'unknown') {
          missing.push(key);
        }
      }
    }
    const items = [...this.library.toArray(service.GetDiagnostics(true)), ...this.library.toArray(service.GetAnalyzerDiagnostics(true))];
    const filtered = filterDiagnostics(items, {
      schemaState: combinedSchemaState(states),
      blockStart: block.start,
      blockLength: block.text.length,
    });
    return { ...filtered, missing };
  }

  /** A `database('x')` / `cluster('c').database('x')` reference as a key, when its cluster is one the host knows. */
  private referencedKey(cluster: string | null, database: string | null, connection: DatabaseKey | undefined): DatabaseKey | undefined {
    if (!database) {
      return undefined;
    }
    const host = (cluster ?? '').toLowerCase();
    if (!host || (connection && clusterSymbolName(connection.clusterUrl) === host)) {
      return connection ? { clusterUrl: connection.clusterUrl, database } : undefined;
    }
    for (const clusterUrl of this.clusters.keys()) {
      const name = clusterSymbolName(clusterUrl);
      if (name === host || name.split('.')[0] === host) {
        return { clusterUrl, database };
      }
    }
    return undefined;
  }

  /**
   * Semantic tokens of the names in the blocks over [start, end) (the whole document without a range), within the
   * limits diagnostics keep; `pause` as for diagnostics. A block's analysis is the one diagnostics use.
   */
  async semanticTokens(ref: DocumentRef, start?: number, end?: number, pause: () => Promise<boolean> = async () => true): Promise<SemanticTokensResult> {
    const document = this.sync(ref);
    const from = Math.max(0, start ?? 0);
    const to = Math.min(document.text.length, end ?? document.text.length);
    const spans: ClassifiedSpan[] = [];
    let checked = 0;
    let blocks = 0;
    for (const block of document.blocks) {
      if (block.commentsOnly || block.end < from || block.start > to) {
        continue;
      }
      checked += block.text.length;
      blocks++;
      if (checked > this.maxCheckedCharacters || blocks > this.maxCheckedBlocks) {
        break;
      }
      const service = this.serviceOf(document, block);
      if (!service) {
        continue;
      }
      if (!(await pause()) || this.documents.get(ref.uri) !== document) {
        break;
      }
      const clipStart = Math.max(from, block.start) - block.start;
      const clipEnd = Math.min(to, block.end) - block.start;
      const info = service.GetClassifications(clipStart, Math.max(0, clipEnd - clipStart), true, true);
      for (const range of this.library.toArray(info?.Classifications ?? null)) {
        if (semanticTokenType(range.Kind) !== undefined) {
          spans.push({ start: block.start + range.Start, length: range.Length, kind: range.Kind });
        }
      }
    }
    document.lines ??= new LineIndex(document.text);
    return { data: encodeSemanticTokens(document.lines, spans) };
  }

  hover(ref: DocumentRef, offset: number): HoverResult | undefined {
    const found = this.serviceAt(ref, offset);
    const info = found?.service.GetQuickInfo(offset - found.block.start);
    // Errors, warnings and suggestions (QuickInfoKind 1-3) are the diagnostics the editor already shows on hover.
    const text = this.library
      .toArray(info?.Items ?? null)
      .filter((item) => item.Kind < 1 || item.Kind > 3)
      .map((item) => item.Text?.trim() ?? '')
      .filter((part) => part.length > 0)
      .join('\n\n');
    return text ? { text, start: offset, end: offset } : undefined;
  }

  /** Formatted text of every block in [start, end) (the whole document without a range), in the document's line ends. */
  format(ref: DocumentRef, start?: number, end?: number): TextEditResult[] {
    const document = this.sync(ref);
    const lineBreak = document.text.includes('\r\n') ? '\r\n' : '\n';
    const edits: TextEditResult[] = [];
    const from = start ?? 0;
    const to = end ?? document.text.length;
    const options = this.formattingOptions();
    for (const block of document.blocks) {
      if (block.commentsOnly || block.end < from || block.start > to) {
        continue;
      }
      const service = this.serviceOf(document, block);
      const formatted = service?.GetFormattedText(options)?.Text;
      if (!formatted) {
        continue;
      }
      const newText = formatted.replace(/\r\n|\r|\n/g, lineBreak).replace(/\s+$/, '');
      if (newText !== block.text) {
        edits.push({ start: block.start, end: block.end, newText });
      }
    }
    return edits;
  }

  private formattingOptions(): unknown {
    const editor = this.library.language.Editor;
    return editor.FormattingOptions.Default.WithIndentationSize(4)
      .WithInsertMissingTokens(false)
      .WithPipeOperatorStyle(editor.PlacementStyle.Smart)
      .WithSemicolonStyle(editor.PlacementStyle.None)
      .WithBrackettingStyle(editor.BrackettingStyle.Diagonal);
  }

  related(ref: DocumentRef, offset: number): RelatedResult | undefined {
    const found = this.serviceAt(ref, offset);
    const info = found?.service.GetRelatedElements(offset - found.block.start);
    const elements = this.library.toArray(info?.Elements ?? null);
    if (!found || elements.length === 0) {
      return undefined;
    }
    const start = found.block.start;
    const mapped = elements.map((element) => ({
      start: start + element.Start,
      end: start + element.Start + element.Length,
      isDeclaration: element.Kind === 2,
    }));
    const current = Math.max(
      0,
      mapped.findIndex((element) => offset >= element.start && offset <= element.end),
    );
    return { elements: mapped, current };
  }

  signatureHelp(ref: DocumentRef, offset: number): SignatureHelpResult | undefined {
    const document = this.sync(ref);
    const block = this.blockAt(document, offset);
    if (!block || block.text.length > this.maxBlockCharacters) {
      return undefined;
    }
    const language = this.library.language;
    const code = language.KustoCode.ParseAndAnalyze(block.text, this.globalsFor(document.connection));
    const position = offset - block.start;
    let token: KustoSyntaxToken | null = code.Syntax.GetTokenAt(position);
    if (token && (token.TextStart >= position || token.IsMissing)) {
      token = token.GetPreviousToken();
    }
    const call = enclosingCall(token, position, language.Syntax.SyntaxKind.FunctionCallExpression);
    const symbol = call?.ReferencedSymbol;
    if (!call || !symbol) {
      return undefined;
    }
    const signatures = this.library.toArray(symbol.Signatures).map((signature) => {
      const parameters = this.library.toArray(signature.Parameters).map((parameter) => {
        const types = this.library.toArray(parameter.DeclaredTypes).map((type) => type.Name);
        const type = types.length > 0 && types.length <= 3 ? `: ${types.join(' | ')}` : '';
        const label = `${parameter.IsOptional ? '[' : ''}${parameter.Name}${type}${parameter.IsOptional ? ']' : ''}${parameter.MaxOccurring > 1 ? ', ...' : ''}`;
        return parameter.Description ? { label, documentation: parameter.Description } : { label };
      });
      const returns = signature.ReturnType?.Name ? `: ${signature.ReturnType.Name}` : '';
      return {
        label: `${symbol.Name}(${parameters.map((parameter) => parameter.label).join(', ')})${returns}`,
        parameters,
        ...(symbol.Description ? { documentation: symbol.Description } : {}),
      };
    });
    if (signatures.length === 0) {
      return undefined;
    }
    const argumentIndex = commasBefore(token, call);
    const activeSignature = Math.max(
      0,
      signatures.findIndex((signature) => signature.parameters.length > argumentIndex || signature.parameters.some((p) => p.label.endsWith('...'))),
    );
    const parameterCount = signatures[activeSignature].parameters.length;
    return { signatures, activeSignature, activeParameter: Math.min(argumentIndex, Math.max(parameterCount - 1, 0)) };
  }
}

function notChecked(block: Block, message: string): LanguageDiagnostic {
  return { start: block.start, end: Math.min(block.end, block.start + 1), code: 'kusto.notChecked', severity: 'information', message };
}

function sameKey(a: DatabaseKey | undefined, b: DatabaseKey | undefined): boolean {
  return a?.clusterUrl === b?.clusterUrl && a?.database === b?.database;
}

/** The innermost function call whose parentheses hold `position`. */
function enclosingCall(token: KustoSyntaxToken | null, position: number, callKind: number): KustoFunctionCall | undefined {
  for (let node = token?.Parent ?? null; node; node = node.Parent) {
    if (node.Kind !== callKind) {
      continue;
    }
    const call = node as KustoFunctionCall;
    const open = call.ArgumentList.OpenParen;
    const close = call.ArgumentList.CloseParen;
    if (open.TextStart < position && (close.IsMissing || position <= close.TextStart)) {
      return call;
    }
  }
  return undefined;
}

/** Commas between the call's `(` and `token` at the call's own nesting level: the index of the argument typed. */
function commasBefore(token: KustoSyntaxToken | null, call: KustoFunctionCall): number {
  const open = call.ArgumentList.OpenParen;
  let depth = 0;
  let commas = 0;
  for (let current = token; current && current.TextStart > open.TextStart; current = current.GetPreviousToken()) {
    const text = current.Text;
    if (text === ')' || text === ']' || text === '}') {
      depth++;
    } else if (text === '(' || text === '[' || text === '{') {
      depth--;
    } else if (text === ',' && depth === 0) {
      commas++;
    }
  }
  return commas;
}
