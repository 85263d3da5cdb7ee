// Kusto.Language builds every completion item afresh at each request: ~400 built-in functions with their display
// text, bracketing and apply texts, then a "retrigger" copy, a copy with a space and a rank string per item: most
// of a completion's time. These are pure functions of the symbol (or item) and a few context flags, and items are
// immutable, so the worker keeps them between requests: the same items, in the same order, with less work. The
// patch wraps four methods of the service's internal `KustoCompleter` (checked against 12.4.1); when they are not
// there (another version), nothing is patched and completion works as before, only slower. Tests compare both ways.
import type { KustoLanguageLibrary } from './kustoLanguageLibrary';

interface Completer {
  readonly _options: { readonly EnableParameterInjection: boolean };
  readonly _code: { readonly Dialect: number; readonly Globals: { readonly Database: object | null; IsBuiltInFunction(symbol: object): boolean } };
}

type AddItems = (this: Completer, symbol: object, contextNode: object | null, nameOnly: boolean, items: BridgeMutableList) => void;
type MapItem<T> = (this: Completer, item: object) => T;

interface BridgeMutableList {
  add(item: object): void;
}

interface CompleterClass {
  readonly prototype: {
    GetCompletionItemsForSymbol: AddItems;
    Retriggered: MapItem<object>;
    AddSpaceToCompletionItem: MapItem<object>;
    CreateOrderText: MapItem<string>;
  };
  IsStartOfQuery(node: object | null): boolean;
  IsInvokeFunctionContext(node: object | null): boolean;
}

interface BridgeRuntime {
  toArray<T>(list: unknown): T[];
}

interface ListConstructor {
  new (): BridgeMutableList;
}

export interface CompletionMemo {
  /** Off: the service's own methods run (tests compare the two). */
  enabled: boolean;
}

const installed = new WeakMap<object, CompletionMemo>();

/** Patches the library once; answers undefined when its internals are not the ones this was written for. */
export function installCompletionMemo(library: KustoLanguageLibrary): CompletionMemo | undefined {
  const language = library.language as unknown as {
    Editor: { KustoCompleter?: CompleterClass; CompletionItem?: unknown };
    Symbols: { FunctionSymbol?: abstract new (...args: never[]) => object };
  };
  const completer = language.Editor.KustoCompleter;
  const runtime = globalThis as unknown as {
    Bridge?: BridgeRuntime;
    System?: { Collections: { Generic: { List$1(type: unknown): { ctor: ListConstructor } } } };
  };
  const prototype = completer?.prototype;
  const functionSymbol = language.Symbols.FunctionSymbol;
  if (
    !completer ||
    !functionSymbol ||
    !prototype ||
    !runtime.Bridge ||
    !runtime.System ||
    typeof prototype.GetCompletionItemsForSymbol !== 'function' ||
    typeof prototype.Retriggered !== 'function' ||
    typeof prototype.AddSpaceToCompletionItem !== 'function' ||
    typeof prototype.CreateOrderText !== 'function' ||
    typeof completer.IsStartOfQuery !== 'function' ||
    typeof completer.IsInvokeFunctionContext !== 'function'
  ) {
    return undefined;
  }
  const existing = installed.get(prototype);
  if (existing) {
    return existing;
  }
  const memo: CompletionMemo = { enabled: true };
  installed.set(prototype, memo);
  const bridge = runtime.Bridge;
  const ItemList = runtime.System.Collections.Generic.List$1(language.Editor.CompletionItem).ctor;
  const addItems = prototype.GetCompletionItemsForSymbol;
  const orderText = prototype.CreateOrderText;

  // database → symbol → context flags → items. Only a function's kind depends on the database (is it one of the
  // database's own?); built-in functions, tables, columns… share one entry across connections.
  const itemsBySymbol = new WeakMap<object, WeakMap<object, Map<string, object[]>>>();
  const anyDatabase = {};
  let lastContext: object | null | undefined;
  let lastContextFlags = '';
  prototype.GetCompletionItemsForSymbol = function (symbol, contextNode, nameOnly, items) {
    if (!memo.enabled) {
      addItems.call(this, symbol, contextNode, nameOnly, items);
      return;
    }
    if (contextNode !== lastContext) {
      lastContext = contextNode;
      lastContextFlags = `${completer.IsStartOfQuery(contextNode) ? 1 : 0}${completer.IsInvokeFunctionContext(contextNode) ? 1 : 0}`;
    }
    const key = `${lastContextFlags}${nameOnly ? 1 : 0}${this._options.EnableParameterInjection ? 1 : 0}${this._code.Dialect}`;
    const globals = this._code.Globals;
    const database = symbol instanceof functionSymbol && !globals.IsBuiltInFunction(symbol) ? (globals.Database ?? anyDatabase) : anyDatabase;
    let bySymbol = itemsBySymbol.get(database);
    if (!bySymbol) {
      bySymbol = new WeakMap();
      itemsBySymbol.set(database, bySymbol);
    }
    let byKey = bySymbol.get(symbol);
    if (!byKey) {
      byKey = new Map();
      bySymbol.set(symbol, byKey);
    }
    let cached = byKey.get(key);
    if (!cached) {
      const list = new ItemList();
      addItems.call(this, symbol, contextNode, nameOnly, list);
      cached = bridge.toArray<object>(list);
      byKey.set(key, cached);
    }
    for (const item of cached) {
      items.add(item);
    }
  };

  // Item → item: the same input gives the same (immutable) output, which keeps its apply texts for the mapping.
  for (const name of ['Retriggered', 'AddSpaceToCompletionItem'] as const) {
    const original = prototype[name];
    const byItem = new WeakMap<object, object>();
    prototype[name] = function (item) {
      if (!memo.enabled) {
        return original.call(this, item);
      }
      let result = byItem.get(item);
      if (!result) {
        result = original.call(this, item);
        byItem.set(item, result);
      }
      return result;
    };
  }

  const orderTextByItem = new WeakMap<object, string>();
  prototype.CreateOrderText = function (item) {
    if (!memo.enabled) {
      return orderText.call(this, item);
    }
    let result = orderTextByItem.get(item);
    if (result === undefined) {
      result = orderText.call(this, item);
      orderTextByItem.set(item, result);
    }
    return result;
  };
  return memo;
}
