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
  /**
   * The service's text segments: the same object for the same item from one request to the next (items are
   * immutable and shared), so the texts read from it are kept for it: EditText and AfterText are computed afresh at
   * every read, which cost more than the rest of the mapping.
   */
  readonly ApplyTexts?: object | null;
}

const textsByApplyTexts = new WeakMap<object, { readonly editText: string | null; readonly afterText: string | null }>();

function textsOf(item: ServiceCompletionItem): { readonly editText: string | null; readonly afterText: string | null } {
  const key = item.ApplyTexts;
  if (!key) {
    return { editText: item.EditText, afterText: item.AfterText };
  }
  let texts = textsByApplyTexts.get(key);
  if (!texts) {
    texts = { editText: item.EditText, afterText: item.AfterText };
    textsByApplyTexts.set(key, texts);
  }
  return texts;
}

/** Sort keys that keep `index` order as strings compare (`00000`, `00001`, …). */
export function sortTextFor(index: number): string {
  return index.toString().padStart(5, '0');
}

export function toCompletionEntry(item: ServiceCompletionItem, index: number): CompletionEntry {
  const texts = textsOf(item);
  const label = item.DisplayText ?? texts.editText ?? '';
  const afterText = texts.afterText ?? '';
  const isSnippet = afterText.length > 0;
  // `count( ` + `)`: the service pads inside the parentheses; the caret belongs right after `(`.
  const editText = isSnippet ? (texts.editText ?? label).trimEnd() : (texts.editText ?? label);
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
