// Finds the KQL text to run, Kusto.Explorer style: the selection when there is one, else the block of
// consecutive non-blank lines under the cursor. Pure (no vscode), so positions are plain 0-based line/character.

export interface TextPosition {
  /** 0-based line. */
  readonly line: number;
  /** 0-based UTF-16 character offset within the line. */
  readonly character: number;
}

export interface TextRange {
  readonly start: TextPosition;
  readonly end: TextPosition;
}

export interface QueryBlock {
  /** Exactly the document text of `range` (original line breaks kept), which is what is sent to Kusto. */
  readonly text: string;
  readonly range: TextRange;
  /** True when every non-blank line is a `//` comment: nothing a cluster could run. */
  readonly commentsOnly: boolean;
}

interface Line {
  readonly text: string;
  /** Offset of the line's first character in the document. */
  readonly offset: number;
}

const LINE_BREAK = /\r\n|\r|\n/g;

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let lineStart = 0;
  LINE_BREAK.lastIndex = 0;
  for (let match = LINE_BREAK.exec(text); match; match = LINE_BREAK.exec(text)) {
    lines.push({ text: text.slice(lineStart, match.index), offset: lineStart });
    lineStart = match.index + match[0].length;
  }
  lines.push({ text: text.slice(lineStart), offset: lineStart });
  return lines;
}

function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

function isComment(line: string): boolean {
  return line.trimStart().startsWith('//');
}

/**
 * Whether a ``` multi-line string is still open at the end of `line`, given whether one was open at its start.
 * Blank lines inside such a string belong to the query and must not split it.
 */
function multiLineStringOpenAfter(line: string, openAtStart: boolean): boolean {
  let open = openAtStart;
  let index = 0;
  while (index < line.length) {
    if (open) {
      const close = line.indexOf('```', index);
      if (close < 0) {
        return true;
      }
      open = false;
      index = close + 3;
      continue;
    }
    const char = line[index];
    if (line.startsWith('```', index)) {
      open = true;
      index += 3;
    } else if (line.startsWith('//', index)) {
      return false;
    } else if (char === '"' || char === "'") {
      // Single-line string literal; a verbatim @"..." has no escapes, a regular one escapes with backslash.
      const verbatim = index > 0 && line[index - 1] === '@';
      index++;
      while (index < line.length && line[index] !== char) {
        index += !verbatim && line[index] === '\\' ? 2 : 1;
      }
      index++;
    } else {
      index++;
    }
  }
  return open;
}

function blockFromLines(lines: readonly Line[], first: number, last: number, documentText: string): QueryBlock {
  const start: TextPosition = { line: first, character: 0 };
  const end: TextPosition = { line: last, character: lines[last].text.length };
  const text = documentText.slice(lines[first].offset, lines[last].offset + lines[last].text.length);
  let commentsOnly = true;
  for (let index = first; index <= last; index++) {
    if (!isBlank(lines[index].text) && !isComment(lines[index].text)) {
      commentsOnly = false;
      break;
    }
  }
  return { text, range: { start, end }, commentsOnly };
}

/** Line spans [first, last] of every block, in document order. */
function blockSpans(lines: readonly Line[]): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let first = -1;
  let inMultiLineString = false;
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index].text;
    if (!inMultiLineString && isBlank(text)) {
      if (first >= 0) {
        spans.push([first, index - 1]);
        first = -1;
      }
      continue;
    }
    if (first < 0) {
      first = index;
    }
    inMultiLineString = multiLineStringOpenAfter(text, inMultiLineString);
  }
  if (first >= 0) {
    spans.push([first, lines.length - 1]);
  }
  // A block never ends on blank lines (possible only inside an unterminated ``` string at the end).
  return spans.map(([from, to]) => {
    let end = to;
    while (end > from && isBlank(lines[end].text)) {
      end--;
    }
    return [from, end];
  });
}

/** Every block of the document, including comment-only ones (callers decide whether to offer those). */
export function listBlocks(text: string): QueryBlock[] {
  const lines = splitLines(text);
  return blockSpans(lines).map(([first, last]) => blockFromLines(lines, first, last, text));
}

/**
 * The block under the cursor. On a blank line between blocks this is the block above (as in Kusto.Explorer);
 * above the first block there is none.
 */
export function blockAt(text: string, cursor: TextPosition): QueryBlock | undefined {
  const lines = splitLines(text);
  const line = Math.min(Math.max(cursor.line, 0), lines.length - 1);
  let candidate: [number, number] | undefined;
  for (const span of blockSpans(lines)) {
    if (span[0] > line) {
      break;
    }
    candidate = span;
  }
  return candidate ? blockFromLines(lines, candidate[0], candidate[1], text) : undefined;
}

/** 0-based offset → position, counting CRLF as one line break. */
export function positionAt(text: string, offset: number): TextPosition {
  const clamped = Math.min(Math.max(offset, 0), text.length);
  const lines = splitLines(text);
  let line = 0;
  while (line + 1 < lines.length && lines[line + 1].offset <= clamped) {
    line++;
  }
  return { line, character: Math.min(clamped - lines[line].offset, lines[line].text.length) };
}

/** Position → 0-based offset, clamped to the document. */
export function offsetAt(text: string, position: TextPosition): number {
  const lines = splitLines(text);
  const line = Math.min(Math.max(position.line, 0), lines.length - 1);
  return lines[line].offset + Math.min(Math.max(position.character, 0), lines[line].text.length);
}

function comparePositions(a: TextPosition, b: TextPosition): number {
  return a.line - b.line || a.character - b.character;
}

/**
 * What "Run Query" runs: a selection with any non-whitespace text exactly as selected (even across blocks),
 * else the block under `selection.active` (or its start). Undefined when there is nothing but blank lines there.
 */
export function queryToRun(
  text: string,
  selection: { readonly start: TextPosition; readonly end: TextPosition; readonly active?: TextPosition },
): QueryBlock | undefined {
  const [start, end] =
    comparePositions(selection.start, selection.end) <= 0 ? [selection.start, selection.end] : [selection.end, selection.start];
  const startOffset = offsetAt(text, start);
  const endOffset = offsetAt(text, end);
  const selected = text.slice(startOffset, endOffset);
  if (selected.trim().length > 0) {
    const lines = splitLines(selected);
    const nonBlank = lines.filter((line) => !isBlank(line.text));
    return {
      text: selected,
      range: { start: positionAt(text, startOffset), end: positionAt(text, endOffset) },
      commentsOnly: nonBlank.every((line) => isComment(line.text)),
    };
  }
  return blockAt(text, selection.active ?? start);
}

/**
 * Maps a position Kusto reported (1-based line and column within the query text that was sent) to a 0-based
 * document position, clamped to the block so that a slightly-off report still lands on the query.
 */
export function errorPositionInDocument(block: QueryBlock, position: { readonly line: number; readonly column: number }): TextPosition {
  const lines = splitLines(block.text);
  const toIndex = (oneBased: number): number => (Number.isFinite(oneBased) ? Math.max(Math.trunc(oneBased) - 1, 0) : 0);
  const lineInBlock = Math.min(toIndex(position.line), lines.length - 1);
  const column = Math.min(toIndex(position.column), lines[lineInBlock].text.length);
  return {
    line: block.range.start.line + lineInBlock,
    character: (lineInBlock === 0 ? block.range.start.character : 0) + column,
  };
}

/**
 * Every block as document offsets [start, end) with its text, the same blocks `listBlocks` finds (the language
 * service checks exactly what the runner would send). One pass, for large documents.
 */
export function listBlockSpans(text: string): Array<{ readonly start: number; readonly end: number; readonly commentsOnly: boolean }> {
  const lines = splitLines(text);
  return blockSpans(lines).map(([first, last]) => {
    let commentsOnly = true;
    for (let index = first; index <= last && commentsOnly; index++) {
      commentsOnly = isBlank(lines[index].text) || isComment(lines[index].text);
    }
    return { start: lines[first].offset, end: lines[last].offset + lines[last].text.length, commentsOnly };
  });
}
