// Kusto.Language completion items → editor-neutral entries: snippet with the caret between EditText and AfterText
// (`count($0)`), the service's order kept, its "open the list again" flag kept.
import type { CompletionEntry, CompletionEntryKind } from './languageProtocol';

/** Kusto.Language.Editor.CompletionKind (12.4.1) → our kinds. */
const KIND_BY_NUMBER: Readonly<Record<number, CompletionEntryKind>> = {
  0: 'other',
  1: 'keyword',
  2: 'punctuation',
  3: 'keyword',
  4: 'other',
  5: 'other',
  6: 'keyword',
  7: 'keyword',
  8: 'keyword',
  9: 'operator',
  10: 'keyword',
  11: 'operator',
  12: 'renderChart',
  13: 'column',
  14: 'table',
  15: 'function',
  16: 'localFunction',
  17: 'databaseFunction',
  18: 'aggregate',
  19: 'parameter',
  20: 'variable',
  21: 'database',
  22: 'cluster',
  23: 'materializedView',
  24: 'table',
  25: 'table',
  26: 'type',
  27: 'option',
  28: 'table',
};

export function completionKind(kind: number): CompletionEntryKind {
  return KIND_BY_NUMBER[kind] ?? 'other';
}

/** Escapes text for a VS Code / TextMate snippet: `$`, `}` and `\` are syntax there. */
export function escapeSnippetText(text: string): string {
  return text.replace(/[\\$}]/g, (char) => `\\${char}`);
}

export interface ServiceCompletionItem {
  readonly Kind: number;
  readonly DisplayText: string | null;
  readonly MatchText: string | null;
  readonly EditText: string | null;
  readonly AfterText: string | null;
  readonly Retrigger: boolean;
}

/** Sort keys that keep `index` order as strings compare (`00000`, `00001`, …). */
export function sortTextFor(index: number): string {
  return index.toString().padStart(5, '0');
}

export function toCompletionEntry(item: ServiceCompletionItem, index: number): CompletionEntry {
  const label = item.DisplayText ?? item.EditText ?? '';
  const afterText = item.AfterText ?? '';
  const isSnippet = afterText.length > 0;
  // `count( ` + `)`: the service pads inside the parentheses; the caret belongs right after `(`.
  const editText = isSnippet ? (item.EditText ?? label).trimEnd() : (item.EditText ?? label);
  return {
    label,
    kind: completionKind(item.Kind),
    insertText: isSnippet ? `${escapeSnippetText(editText)}$0${escapeSnippetText(afterText)}` : editText,
    isSnippet,
    filterText: item.MatchText || label,
    sortText: sortTextFor(index),
    retrigger: item.Retrigger,
  };
}

/** Most items the editor is given at once; the service's first ones are the best ranked. */
export const MAX_COMPLETION_ITEMS = 20_000;

export function toCompletionEntries(items: readonly ServiceCompletionItem[]): CompletionEntry[] {
  const entries: CompletionEntry[] = [];
  const count = Math.min(items.length, MAX_COMPLETION_ITEMS);
  for (let index = 0; index < count; index++) {
    entries.push(toCompletionEntry(items[index], index));
  }
  return entries;
}
