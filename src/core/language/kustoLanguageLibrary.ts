// The part of Kusto.Language (@kusto/language-service-next, C# compiled to JavaScript by Bridge.NET) this extension
// uses, typed by hand: the package is two global scripts, not a module, and its own 1.7 MB .d.ts declares globals.
// Bridge.NET names overloaded constructors `ctor`, `$ctor1`, `$ctor2`…; the ones below were checked against 12.4.1.
import * as path from 'node:path';

/** A .NET list as Bridge.NET exposes it; read it with `toArray`. */
export interface BridgeList<T> {
  readonly Count: number;
}

export interface KustoSymbol {
  readonly Name: string;
}

export interface KustoDiagnostic {
  readonly Code: string | null;
  readonly Severity: string | null;
  readonly Category: string | null;
  readonly Message: string | null;
  readonly Start: number;
  readonly Length: number;
  readonly HasLocation: boolean;
}

export interface KustoCompletionItem {
  readonly Kind: number;
  readonly DisplayText: string | null;
  readonly MatchText: string | null;
  readonly OrderText: string | null;
  readonly EditText: string | null;
  readonly AfterText: string | null;
  readonly Retrigger: boolean;
  readonly ApplyTexts: object | null;
}

export interface KustoCompletionInfo {
  readonly Items: BridgeList<KustoCompletionItem> | null;
  readonly EditStart: number;
  readonly EditLength: number;
}

export interface KustoQuickInfo {
  readonly Text: string | null;
  readonly Items: BridgeList<{ readonly Kind: number; readonly Text: string | null }> | null;
}

export interface KustoRelatedElement {
  readonly Start: number;
  readonly Length: number;
  /** 1 = reference, 2 = declaration (RelatedElementKind). */
  readonly Kind: number;
}

export interface KustoDatabaseReference {
  readonly Cluster: string | null;
  readonly Database: string | null;
}

export interface KustoCodeService {
  GetDiagnostics(waitForAnalysis?: boolean): BridgeList<KustoDiagnostic> | null;
  GetAnalyzerDiagnostics(waitForAnalysis?: boolean): BridgeList<KustoDiagnostic> | null;
  GetCompletionItems(position: number, options?: unknown): KustoCompletionInfo | null;
  GetQuickInfo(position: number): KustoQuickInfo | null;
  GetRelatedElements(position: number): { readonly Elements: BridgeList<KustoRelatedElement> | null } | null;
  GetFormattedText(options?: unknown, caretPosition?: number): { readonly Text: string | null } | null;
  GetDatabaseReferences(): BridgeList<KustoDatabaseReference> | null;
  GetClassifications(
    start: number,
    length: number,
    clipToRange?: boolean,
    waitForAnalysis?: boolean,
  ): { readonly Classifications: BridgeList<{ readonly Kind: number; readonly Start: number; readonly Length: number }> | null } | null;
  GetClusterReferences(): BridgeList<{ readonly Cluster: string | null }> | null;
}

export interface KustoSyntaxElement {
  readonly Kind: number;
  readonly Parent: KustoSyntaxNode | null;
}

export interface KustoSyntaxToken extends KustoSyntaxElement {
  readonly Text: string;
  readonly TextStart: number;
  readonly IsMissing: boolean;
  GetPreviousToken(): KustoSyntaxToken | null;
}

export interface KustoSyntaxNode extends KustoSyntaxElement {
  readonly TextStart: number;
  GetTokenAt(position: number): KustoSyntaxToken | null;
}

export interface KustoFunctionCall extends KustoSyntaxNode {
  readonly ReferencedSymbol: KustoFunctionSymbol | null;
  readonly ArgumentList: {
    readonly OpenParen: KustoSyntaxToken;
    readonly CloseParen: KustoSyntaxToken;
    readonly Expressions: BridgeList<{ readonly Separator: KustoSyntaxToken | null }>;
  };
}

export interface KustoParameter {
  readonly Name: string;
  readonly Description: string | null;
  readonly IsOptional: boolean;
  readonly DeclaredTypes: BridgeList<KustoSymbol> | null;
  /** 0 = declared type; others are "any scalar", "tabular", … (ParameterTypeKind). */
  readonly TypeKind: number;
  readonly MaxOccurring: number;
}

export interface KustoSignature {
  readonly Parameters: BridgeList<KustoParameter>;
  readonly ReturnType: KustoSymbol | null;
}

export interface KustoFunctionSymbol extends KustoSymbol {
  readonly Description: string | null;
  readonly Signatures: BridgeList<KustoSignature>;
}

export interface KustoGlobalState {
  WithCluster(cluster: unknown): KustoGlobalState;
  WithDatabase(database: unknown): KustoGlobalState;
  WithClusterList(clusters: unknown[]): KustoGlobalState;
}

/** The `Kusto.Language` namespace, reduced to what is used here. */
export interface KustoLanguage {
  readonly GlobalState: { readonly Default: KustoGlobalState };
  readonly KustoCode: {
    ParseAndAnalyze(text: string, globals: KustoGlobalState): { readonly Syntax: KustoSyntaxNode };
  };
  readonly Syntax: { readonly SyntaxKind: { readonly FunctionCallExpression: number } };
  readonly Editor: {
    readonly KustoCodeService: { readonly $ctor1: new (text: string, globals: KustoGlobalState) => KustoCodeService };
    readonly CompletionOptions: { readonly Default: unknown };
    readonly FormattingOptions: {
      readonly Default: {
        WithIndentationSize(size: number): KustoFormattingOptions;
      };
    };
    readonly PlacementStyle: { readonly None: number; readonly NewLine: number; readonly Smart: number };
    readonly BrackettingStyle: { readonly Diagonal: number };
  };
  readonly Symbols: {
    readonly ScalarTypes: { GetSymbol(name: string): KustoSymbol | null; readonly Dynamic: KustoSymbol; readonly Unknown: KustoSymbol };
    readonly ColumnSymbol: new (name: string, type: KustoSymbol, description: string | null, originalName: null, source: null, examples: null) => KustoSymbol;
    readonly TableSymbol: { readonly $ctor6: new (name: string, columns: unknown, description: string | null) => KustoSymbol };
    readonly MaterializedViewSymbol: { readonly $ctor2: new (name: string, columns: unknown, query: string | null, description: string | null) => KustoSymbol };
    readonly ExternalTableSymbol: { readonly $ctor3: new (name: string, columns: unknown, description: string | null) => KustoSymbol };
    readonly FunctionSymbol: { readonly $ctor16: new (name: string, parameters: string, body: string, description: string | null) => KustoSymbol };
    readonly DatabaseSymbol: { readonly $ctor2: new (name: string, alternateName: string | null, members: KustoSymbol[]) => KustoSymbol };
    readonly ClusterSymbol: { readonly ctor: new (name: string, databases: KustoSymbol[]) => KustoSymbol };
  };
}

export interface KustoFormattingOptions {
  WithIndentationSize(size: number): KustoFormattingOptions;
  WithInsertMissingTokens(insert: boolean): KustoFormattingOptions;
  WithPipeOperatorStyle(style: number): KustoFormattingOptions;
  WithSemicolonStyle(style: number): KustoFormattingOptions;
  WithBrackettingStyle(style: number): KustoFormattingOptions;
}

export interface KustoLanguageLibrary {
  readonly language: KustoLanguage;
  /** A .NET list or enumerable as a JavaScript array. */
  toArray<T>(list: BridgeList<T> | null | undefined): T[];
}

let loaded: KustoLanguageLibrary | undefined;

/** The package's two scripts, in load order (they define globals). */
export const KUSTO_LANGUAGE_FILES = ['bridge.min.js', 'Kusto.Language.Bridge.min.js'] as const;

/**
 * Loads Kusto.Language from `directory` (dist/vendor/kusto-language when shipped, the package folder in tests).
 * ~0.4-0.8 s and ~100 MB: only ever called inside the language worker or a test, never on the extension host.
 */
export function loadKustoLanguage(directory: string): KustoLanguageLibrary {
  if (loaded) {
    return loaded;
  }
  for (const file of KUSTO_LANGUAGE_FILES) {
    // A computed path: the bundler leaves this require to run time, where it reads the vendor copy.
    require(path.join(directory, file));
  }
  const globals = globalThis as unknown as {
    Kusto?: { Language?: KustoLanguage };
    Bridge?: { toArray<T>(list: unknown): T[] };
  };
  const language = globals.Kusto?.Language;
  const bridge = globals.Bridge;
  if (!language || !bridge) {
    throw new Error(`Kusto.Language did not load from ${directory}.`);
  }
  loaded = {
    language,
    toArray: <T>(list: BridgeList<T> | null | undefined): T[] => (list ? bridge.toArray<T>(list) : []),
  };
  return loaded;
}
