// What the extension host and the language worker say to each other: plain data only (structured clone), offsets
// are UTF-16 indices into the document's text (as `document.offsetAt` counts them).
import type { DatabaseSchema } from '../schema/schemaModel';

export interface DatabaseKey {
  /** Canonical cluster URL (parseClusterUrl). */
  readonly clusterUrl: string;
  readonly database: string;
}

/** Whether the schema a document's names resolve against is there yet. */
export type SchemaState = 'loaded' | 'loading' | 'failed' | 'unknown';

export type CompletionEntryKind =
  | 'keyword'
  | 'operator'
  | 'column'
  | 'table'
  | 'materializedView'
  | 'function'
  | 'aggregate'
  | 'localFunction'
  | 'databaseFunction'
  | 'variable'
  | 'parameter'
  | 'database'
  | 'cluster'
  | 'renderChart'
  | 'type'
  | 'option'
  | 'punctuation'
  | 'other';

export interface CompletionEntry {
  readonly label: string;
  readonly kind: CompletionEntryKind;
  /** Text to insert; a snippet (caret at `$0`) when `isSnippet`. */
  readonly insertText: string;
  readonly isSnippet: boolean;
  readonly filterText: string;
  /** Keeps the service's ranking. */
  readonly sortText: string;
  /** Open the list again once inserted (after `| `, after a column name…). */
  readonly retrigger: boolean;
}

export interface CompletionResult {
  readonly editStart: number;
  readonly editEnd: number;
  readonly items: readonly CompletionEntry[];
}

export type DiagnosticSeverityName = 'error' | 'warning' | 'information' | 'hint';

export interface LanguageDiagnostic {
  readonly start: number;
  readonly end: number;
  readonly message: string;
  readonly code: string;
  readonly severity: DiagnosticSeverityName;
}

export interface DiagnosticsResult {
  readonly diagnostics: readonly LanguageDiagnostic[];
  /** Databases the document names (database('x'), cluster('c').database('x')) whose schema the worker lacks. */
  readonly missingDatabases: readonly DatabaseKey[];
  /** Number of unknown-name diagnostics held back because a schema was not there. */
  readonly heldBack: number;
}

export interface HoverResult {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export interface TextEditResult {
  readonly start: number;
  readonly end: number;
  readonly newText: string;
}

export interface RelatedResult {
  readonly elements: readonly { readonly start: number; readonly end: number; readonly isDeclaration: boolean }[];
  /** Index of the element under the position. */
  readonly current: number;
}

export interface SignatureHelpResult {
  readonly signatures: readonly {
    readonly label: string;
    readonly documentation?: string;
    readonly parameters: readonly { readonly label: string; readonly documentation?: string }[];
  }[];
  readonly activeSignature: number;
  readonly activeParameter: number;
}

export interface SemanticTokensResult {
  /** VS Code's encoding (semanticTokens.ts), relative to the document's start. */
  readonly data: Uint32Array;
}

/** The document a request is about: the text travels only when the worker has not seen this version. */
export interface DocumentRef {
  readonly uri: string;
  readonly version: number;
  readonly text?: string;
  readonly connection?: DatabaseKey;
}

export interface RequestMap {
  complete: { params: { document: DocumentRef; offset: number }; result: CompletionResult };
  diagnostics: { params: { document: DocumentRef }; result: DiagnosticsResult };
  hover: { params: { document: DocumentRef; offset: number }; result: HoverResult | undefined };
  format: { params: { document: DocumentRef; start?: number; end?: number }; result: TextEditResult[] };
  related: { params: { document: DocumentRef; offset: number }; result: RelatedResult | undefined };
  signatureHelp: { params: { document: DocumentRef; offset: number }; result: SignatureHelpResult | undefined };
  /** Tokens of the names in [start, end) (the whole document without them). */
  semanticTokens: { params: { document: DocumentRef; start?: number; end?: number }; result: SemanticTokensResult };
  /** The worker's JS heap and the process's RSS (a worker thread shares its process). */
  memory: { params: Record<string, never>; result: { rss: number; heapUsed: number } };
}

export type RequestName = keyof RequestMap;

/** Messages that need no answer. */
export type Notification =
  | { readonly type: 'schemaBegin'; readonly key: DatabaseKey; readonly state: SchemaState; readonly info?: Omit<DatabaseSchema, 'tables' | 'materializedViews' | 'externalTables' | 'functions'> }
  | { readonly type: 'schemaPart'; readonly key: DatabaseKey; readonly part: Partial<Pick<DatabaseSchema, 'tables' | 'materializedViews' | 'externalTables' | 'functions'>> }
  | { readonly type: 'schemaEnd'; readonly key: DatabaseKey }
  | { readonly type: 'schemaState'; readonly key: DatabaseKey; readonly state: SchemaState }
  | { readonly type: 'databaseNames'; readonly clusterUrl: string; readonly names: readonly string[] }
  | { readonly type: 'close'; readonly uri: string };

export type HostMessage =
  | { readonly type: 'request'; readonly id: number; readonly method: RequestName; readonly params: unknown }
  | Notification;

export type WorkerMessage =
  | { readonly type: 'ready'; readonly loadMs: number }
  | { readonly type: 'response'; readonly id: number; readonly result?: unknown; readonly error?: string; readonly stale?: boolean };

export function databaseKeyId(key: DatabaseKey): string {
  return `${key.clusterUrl}|${key.database}`;
}
