// Kusto.Language's classifications → VS Code semantic tokens, computed in the language worker. Only what the
// TextMate grammar cannot know is sent: which names are tables, views, columns, functions, variables, parameters,
// databases and types (it colours keywords, operators, strings, numbers and comments already). Standard token types
// only, so every theme colours them without the extension declaring any. The encoding is VS Code's: five numbers
// per token (line delta, start delta, length, type, modifiers), one line per token.

/** The legend, in order: a token's type is its index here. */
export const SEMANTIC_TOKEN_TYPES = ['class', 'interface', 'property', 'function', 'variable', 'parameter', 'namespace', 'type', 'macro'] as const;
export type SemanticTokenType = (typeof SEMANTIC_TOKEN_TYPES)[number];
export const SEMANTIC_TOKEN_MODIFIERS: readonly string[] = [];

/** Kusto.Language.Editor.ClassificationKind (12.4.1) → token type; the rest is left to the grammar. */
const TYPE_BY_CLASSIFICATION: Readonly<Record<number, SemanticTokenType>> = {
  6: 'type',
  7: 'property', // Column
  8: 'class', // Table
  9: 'namespace', // Database
  10: 'function',
  11: 'parameter',
  12: 'variable', // let names and declared query parameters
  14: 'macro', // ClientParameter: {name}, replaced by the client before the query is sent
  21: 'interface', // MaterializedView (as completion shows it)
  22: 'property', // SchemaMember
  23: 'parameter', // SignatureParameter
};

export function semanticTokenType(classificationKind: number): SemanticTokenType | undefined {
  return TYPE_BY_CLASSIFICATION[classificationKind];
}

export interface ClassifiedSpan {
  /** Document offset (UTF-16). */
  readonly start: number;
  readonly length: number;
  /** ClassificationKind. */
  readonly kind: number;
}

/** Offsets → (line, character) for one text, by binary search over its line starts. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code === 10 || (code === 13 && text.charCodeAt(index + 1) !== 10)) {
        this.starts.push(index + 1);
      }
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  lineOf(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle] <= offset) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return low;
  }

  lineStart(line: number): number {
    return this.starts[line];
  }

  /** End of a line's text, before its line break. */
  lineEnd(line: number): number {
    if (line + 1 >= this.starts.length) {
      return this.text.length;
    }
    const next = this.starts[line + 1];
    return this.text.charCodeAt(next - 2) === 13 && this.text.charCodeAt(next - 1) === 10 ? next - 2 : next - 1;
  }
}

/**
 * VS Code's encoding of the spans that have a token type, in document order; a span over a line break is cut at
 * it (VS Code's tokens lie on one line), overlapping spans keep the first.
 */
export function encodeSemanticTokens(lines: LineIndex, spans: readonly ClassifiedSpan[]): Uint32Array {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const data: number[] = [];
  let previousLine = 0;
  let previousCharacter = 0;
  let covered = 0;
  for (const span of sorted) {
    const type = semanticTokenType(span.kind);
    if (type === undefined || span.length <= 0 || span.start < covered) {
      continue;
    }
    const typeIndex = SEMANTIC_TOKEN_TYPES.indexOf(type);
    const end = span.start + span.length;
    covered = end;
    for (let line = lines.lineOf(span.start), from = span.start; from < end && line < lines.lineCount; line++, from = lines.lineStart(line) ?? end) {
      const to = Math.min(end, lines.lineEnd(line));
      if (to > from) {
        const character = from - lines.lineStart(line);
        data.push(line - previousLine, line === previousLine ? character - previousCharacter : character, to - from, typeIndex, 0);
        previousLine = line;
        previousCharacter = character;
      }
    }
  }
  return Uint32Array.from(data);
}
