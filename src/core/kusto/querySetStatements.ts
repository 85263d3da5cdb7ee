// Client request properties a query sets in its own text, as Kusto reads them: `set notruncation;` or
// `set truncationmaxrecords = 1000;` before the query. They override what the request's properties say, so the
// client must read them too before it enforces a limit the server will not apply.

const SET_STATEMENT = /^set\s+([A-Za-z_][\w.]*)\s*(?:=\s*([^;]*?))?\s*;/i;
const LEADING_TRIVIA = /^(?:\s+|\/\/[^\n]*(?:\n|$))+/;

/** The `set` statements at the start of a query's text, by lower-cased name (`true` when no value is given). */
export function setStatementsOf(text: string): Map<string, string | true> {
  const statements = new Map<string, string | true>();
  let rest = text;
  for (;;) {
    rest = rest.replace(LEADING_TRIVIA, '');
    const match = SET_STATEMENT.exec(rest);
    if (!match) return statements;
    statements.set(match[1].toLowerCase(), match[2] === undefined ? true : match[2].trim());
    rest = rest.slice(match[0].length);
  }
}

/**
 * The most rows per table the server will send for this query: none when the text sets notruncation (unless it
 * sets it false), the text's own truncationmaxrecords, else what the request asked for.
 */
export function effectiveRowLimit(text: string, requested: number | undefined): number | undefined {
  const statements = setStatementsOf(text);
  const noTruncation = statements.get('notruncation');
  if (noTruncation === true || (typeof noTruncation === 'string' && noTruncation.toLowerCase() !== 'false')) return undefined;
  const fromText = statements.get('truncationmaxrecords');
  if (typeof fromText === 'string' && /^\d+$/.test(fromText)) return Number(fromText);
  return requested;
}
