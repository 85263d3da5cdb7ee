// The language worker's brain, vscode-free and thread-free (unit-tested in process): holds the schemas as
// Kusto.Language symbols per (cluster, database), each open document split into blocks exactly as the runner
// splits them, and one Kusto.Language code service per block (it caches parse and analysis, so an edit re-checks
// only the block it touched). Offsets in and out are document offsets.
// Schemas and globals are schemaCatalog.ts, a document's blocks documentBlocks.ts, signature help signatureHelp.ts.

import type { DatabaseSchema } from '../schema/schemaModel';
import { toCompletionEntries } from './completionMapping';
import { installCompletionMemo } from './completionMemo';
import { encodeSemanticTokens, LineIndex, semanticTokenType, type ClassifiedSpan } from './semanticTokens';
import { combinedSchemaState, filterDiagnostics } from './diagnosticsFilter';
import type { KustoCodeService, KustoLanguageLibrary } from './kustoLanguageLibrary';
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
import { blockAt, syncedDocument, type Block, type DocumentState } from './documentBlocks';
import { SchemaCatalog } from './schemaCatalog';
import { signatureHelpAt } from './signatureHelp';

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

export class LanguageEngine {
  private readonly catalog: SchemaCatalog;
  private readonly documents = new Map<string, DocumentState>();
  private readonly maxBlockCharacters: number;
  private readonly maxCheckedCharacters: number;
  private readonly maxCheckedBlocks: number;

  constructor(private readonly library: KustoLanguageLibrary, options: LanguageEngineOptions = {}) {
    this.catalog = new SchemaCatalog(library);
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

  // ---- schemas (schemaCatalog.ts) ----------------------------------------------------------------------------

  notify(message: Notification): void {
    if (message.type === 'close') {
      this.documents.delete(message.uri);
    } else {
      this.catalog.notify(message);
    }
  }

  /** Makes `schema` the symbols of `key` (replacing what was there: the explorer's Refresh). */
  setSchema(key: DatabaseKey, schema: DatabaseSchema): void {
    this.catalog.setSchema(key, schema);
  }

  setSchemaState(key: DatabaseKey, state: SchemaState): void {
    this.catalog.setSchemaState(key, state);
  }

  /** Names of a cluster's databases (completion of `database('…')`), their schemas unknown until loaded. */
  setDatabaseNames(clusterUrl: string, names: readonly string[]): void {
    this.catalog.setDatabaseNames(clusterUrl, names);
  }

  schemaState(key: DatabaseKey): SchemaState {
    return this.catalog.schemaState(key);
  }

  // ---- documents ------------------------------------------------------------------------------------------

  /** Brings the engine's copy of a document up to `ref` (text given) or checks it already is. */
  sync(ref: DocumentRef): DocumentState {
    const existing = this.documents.get(ref.uri);
    const state = syncedDocument(existing, ref);
    if (state !== existing) {
      this.documents.set(ref.uri, state);
    }
    return state;
  }

  close(uri: string): void {
    this.documents.delete(uri);
  }

  private serviceOf(document: DocumentState, block: Block): KustoCodeService | undefined {
    if (block.text.length > this.maxBlockCharacters) {
      return undefined;
    }
    const globals = this.catalog.globalsFor(document.connection);
    if (!block.service || block.globals !== globals) {
      block.service = new this.library.language.Editor.KustoCodeService.$ctor1(block.text, globals);
      block.globals = globals;
    }
    return block.service;
  }

  private serviceAt(ref: DocumentRef, offset: number): { block: Block; service: KustoCodeService } | undefined {
    const document = this.sync(ref);
    const block = blockAt(document, offset);
    const service = block && this.serviceOf(document, block);
    return block && service ? { block, service } : undefined;
  }

  // ---- features -------------------------------------------------------------------------------------------

  complete(ref: DocumentRef, offset: number): CompletionResult {
    const document = this.sync(ref);
    let found = this.serviceAt(ref, offset);
    if (!found) {
      // A blank line between blocks: complete as the start of a new query.
      if (blockAt(document, offset) || offset < 0 || offset > document.text.length) {
        return { editStart: offset, editEnd: offset, items: [] };
      }
      const service = new this.library.language.Editor.KustoCodeService.$ctor1('', this.catalog.globalsFor(document.connection));
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
    const states: SchemaState[] = [document.connection ? this.catalog.schemaState(document.connection) : 'unknown'];
    const missing: DatabaseKey[] = [];
    for (const reference of this.library.toArray(service.GetDatabaseReferences())) {
      const key = this.catalog.referencedKey(reference.Cluster, reference.Database, document.connection);
      if (key) {
        const state = this.catalog.schemaState(key);
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
    const block = blockAt(document, offset);
    if (!block || block.text.length > this.maxBlockCharacters) {
      return undefined;
    }
    const code = this.library.language.KustoCode.ParseAndAnalyze(block.text, this.catalog.globalsFor(document.connection));
    return signatureHelpAt(this.library, code, offset - block.start);
  }
}

function notChecked(block: Block, message: string): LanguageDiagnostic {
  return { start: block.start, end: Math.min(block.end, block.start + 1), code: 'kusto.notChecked', severity: 'information', message };
}
