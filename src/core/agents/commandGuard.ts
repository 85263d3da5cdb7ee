// What an AI agent may run through the Kusto tools: queries, and the read-only `.show …` management commands.
// Everything else that starts with a dot (.drop, .set, .append, .alter, .execute script, …) is refused, also when
// it hides after a `;`, on a later line, after a pipe or behind `<|`. The text is read the way Kusto reads it:
// `//` comments and string literals (quoted, verbatim @'…', multi-line ```…```) are skipped, so a dot or a
// semicolon inside them does not count. Pure: no vscode, no I/O.

import { isManagementCommand } from '../kql/commandKind';

export type AgentQueryVerdict =
  | { readonly allowed: true; readonly kind: 'query' | 'showCommand' }
  | { readonly allowed: false; readonly reason: string };

const REFUSED_COMMAND =
  'Only queries and read-only ".show" management commands can be run by an agent; other management commands ' +
  '(which can change or delete data, policies or permissions) are refused. Ask the user to run it themselves.';

/** Decides whether an agent may send `text` to the cluster. */
export function checkAgentQuery(text: string): AgentQueryVerdict {
  if (typeof text !== 'string' || significantText(text) === '') {
    return { allowed: false, reason: 'The query is empty: give a KQL query such as "StormEvents | take 10".' };
  }
  const scan = scanTopLevel(text);
  if (scan.unterminated) {
    return { allowed: false, reason: `The query has an unterminated ${scan.unterminated}; fix it and try again.` };
  }
  // Kusto (and this extension's client) send text whose first significant character is a dot to the management
  // endpoint: that decision must be the one checked here.
  if (isManagementCommand(text)) {
    const command = significantText(text);
    if (!/^\.show(?=[\s|(]|$)/i.test(command)) {
      return { allowed: false, reason: `${REFUSED_COMMAND} (got "${firstWords(command)}").` };
    }
    if (scan.statementSeparators > 0) {
      return { allowed: false, reason: 'Send one ".show" command at a time: several statements separated by ";" are refused.' };
    }
    if (scan.dotStarts.length > 1) {
      return { allowed: false, reason: `${REFUSED_COMMAND} (found "${firstWords(scan.dotStarts[1])}" after the ".show" command).` };
    }
    if (scan.redirects > 0) {
      return { allowed: false, reason: 'A ".show" command cannot take input with "<|"; send the .show command alone or piped into query operators.' };
    }
    return { allowed: true, kind: 'showCommand' };
  }
  if (scan.dotStarts.length > 0) {
    return { allowed: false, reason: `${REFUSED_COMMAND} (found "${firstWords(scan.dotStarts[0])}" inside the query).` };
  }
  return { allowed: true, kind: 'query' };
}

interface TopLevelScan {
  /** Text starting at each place where a statement, line or pipe segment begins with a dot (outside strings and comments). */
  readonly dotStarts: string[];
  readonly statementSeparators: number;
  readonly redirects: number;
  readonly unterminated?: string;
}

/**
 * Walks the text once, outside comments and strings, noting where a dot starts a statement (at the start, after
 * `;`, after a line break, after `|` or `<|`), how many `;` separate statements at the top level (not inside a
 * `{ … }` function body or brackets), and how many `<|` there are.
 */
function scanTopLevel(text: string): TopLevelScan {
  const dotStarts: string[] = [];
  let statementSeparators = 0;
  let redirects = 0;
  let depth = 0;
  // True while only whitespace and comments were seen since the last statement boundary.
  let atStatementStart = true;
  let index = 0;
  const length = text.length;
  while (index < length) {
    const char = text[index];
    const next = text[index + 1];
    if (char === '/' && next === '/') {
      const lineEnd = text.indexOf('\n', index + 2);
      index = lineEnd < 0 ? length : lineEnd;
      continue;
    }
    if (char === '\n' || char === '\r') {
      atStatementStart = true;
      index++;
      continue;
    }
    if (isWhitespace(char)) {
      index++;
      continue;
    }
    if (char === '`' && text.startsWith('```', index)) {
      const end = text.indexOf('```', index + 3);
      if (end < 0) {
        return { dotStarts, statementSeparators, redirects, unterminated: 'multi-line string (```)' };
      }
      index = end + 3;
      atStatementStart = false;
      continue;
    }
    if ((char === '@' || char === 'h' || char === 'H') && (next === '"' || next === "'" || (next === '@' && (text[index + 2] === '"' || text[index + 2] === "'")))) {
      // @'verbatim', h'obfuscated', h@'both': skip the prefix letters, then read the literal.
      const quoteIndex = next === '@' ? index + 2 : index + 1;
      const verbatim = char === '@' || next === '@';
      const end = stringEnd(text, quoteIndex, verbatim);
      if (end < 0) {
        return { dotStarts, statementSeparators, redirects, unterminated: 'string literal' };
      }
      index = end;
      atStatementStart = false;
      continue;
    }
    if (char === '"' || char === "'") {
      const end = stringEnd(text, index, false);
      if (end < 0) {
        return { dotStarts, statementSeparators, redirects, unterminated: 'string literal' };
      }
      index = end;
      atStatementStart = false;
      continue;
    }
    if (char === '.' && atStatementStart) {
      dotStarts.push(text.slice(index));
    }
    if (char === '{' || char === '(' || char === '[') {
      depth++;
    } else if (char === '}' || char === ')' || char === ']') {
      depth = Math.max(0, depth - 1);
    }
    if (char === ';') {
      if (depth === 0) {
        statementSeparators++;
      }
      atStatementStart = true;
      index++;
      continue;
    }
    if (char === '<' && next === '|') {
      redirects++;
      atStatementStart = true;
      index += 2;
      continue;
    }
    // A pipe starts a new segment: a command piped after a query (`| .drop …`) is caught like one after a line break.
    atStatementStart = char === '|';
    index++;
  }
  return { dotStarts, statementSeparators, redirects };
}

/** Index just past the closing quote of the literal opening at `quoteIndex`, or -1 when it never closes. */
function stringEnd(text: string, quoteIndex: number, verbatim: boolean): number {
  const quote = text[quoteIndex];
  let index = quoteIndex + 1;
  while (index < text.length) {
    const char = text[index];
    if (char === '\n' && !verbatim) {
      return -1;
    }
    if (!verbatim && char === '\\') {
      index += 2;
      continue;
    }
    if (char === quote) {
      // In a verbatim string a doubled quote stands for one quote.
      if (verbatim && text[index + 1] === quote) {
        index += 2;
        continue;
      }
      return index + 1;
    }
    index++;
  }
  return -1;
}

/** The text without leading whitespace and `//` comment lines (as isManagementCommand reads it). */
function significantText(text: string): string {
  let index = 0;
  while (index < text.length) {
    if (text[index] === '/' && text[index + 1] === '/') {
      const lineEnd = text.indexOf('\n', index + 2);
      if (lineEnd < 0) {
        return '';
      }
      index = lineEnd + 1;
      continue;
    }
    if (isWhitespace(text[index]) || text[index] === '\n' || text[index] === '\r') {
      index++;
      continue;
    }
    break;
  }
  return text.slice(index);
}

function isWhitespace(char: string): boolean {
  return char.charCodeAt(0) <= 0x20 || char === '\ufeff' || /\s/.test(char);
}

function firstWords(text: string): string {
  const words = text.trim().split(/\s+/).slice(0, 3).join(' ');
  return words.length > 60 ? `${words.slice(0, 60)}…` : words;
}
