// Tokens of the KQL subset the local server understands. Every token keeps its offset so errors can name
// the line and position like Kusto does.

import { QueryPosition, syntaxError } from './kustoErrors';
import { TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MILLISECOND, TICKS_PER_MINUTE, TICKS_PER_SECOND } from './kustoTypes';

export type TokenKind = 'identifier' | 'integer' | 'real' | 'timespan' | 'string' | 'operator' | 'typedLiteral' | 'end';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly offset: number;
  /**
   * Parsed value: bigint for integer and timespan (ticks), number for real, string for string/identifier;
   * for typedLiteral (`datetime(...)`, `timespan(...)`, `time(...)`, `dynamic(...)`) the raw text in the parentheses.
   */
  readonly value?: bigint | number | string;
}

const TIMESPAN_UNITS: Readonly<Record<string, bigint>> = {
  d: TICKS_PER_DAY,
  day: TICKS_PER_DAY,
  days: TICKS_PER_DAY,
  h: TICKS_PER_HOUR,
  hr: TICKS_PER_HOUR,
  hrs: TICKS_PER_HOUR,
  hour: TICKS_PER_HOUR,
  hours: TICKS_PER_HOUR,
  m: TICKS_PER_MINUTE,
  min: TICKS_PER_MINUTE,
  minute: TICKS_PER_MINUTE,
  minutes: TICKS_PER_MINUTE,
  s: TICKS_PER_SECOND,
  sec: TICKS_PER_SECOND,
  second: TICKS_PER_SECOND,
  seconds: TICKS_PER_SECOND,
  ms: TICKS_PER_MILLISECOND,
  milli: TICKS_PER_MILLISECOND,
  millis: TICKS_PER_MILLISECOND,
  millisecond: TICKS_PER_MILLISECOND,
  milliseconds: TICKS_PER_MILLISECOND,
  tick: 1n,
  ticks: 1n,
};

const MULTI_CHAR_OPERATORS = ['==', '!=', '<>', '<=', '>=', '=~', '!~'];
const SINGLE_CHAR_OPERATORS = '|;,()[]{}=<>+-*/%.:';
/** Hyphenated operator names that are one token in KQL. */
const HYPHENATED = ['project-away', 'project-rename', 'project-keep', 'project-reorder', 'mv-expand', 'mv-apply'];

const TYPED_LITERALS = ['datetime', 'timespan', 'time', 'dynamic'];

function skipSpaces(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i])) {
    i++;
  }
  return i;
}

/** Index of the ')' matching the '(' at `open`, skipping quoted strings; -1 when missing. */
function findClosingParenthesis(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') {
        i++;
      } else if (c === quote) {
        quote = undefined;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        return c === ')' ? i : -1;
      }
    }
  }
  return -1;
}

export function positionOf(text: string, offset: number, token?: string): QueryPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1, token };
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string, offset: number, token: string) => {
    throw syntaxError(message, positionOf(text, offset, token));
  };
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') {
        i++;
      }
      continue;
    }
    const start = i;
    if (/[A-Za-z_$]/.test(ch)) {
      // Verbatim strings: @"..." handled below; here identifiers and hyphenated keywords.
      while (i < text.length && /[A-Za-z0-9_$]/.test(text[i])) {
        i++;
      }
      let word = text.slice(start, i);
      const hyphenated = HYPHENATED.find((h) => text.startsWith(h, start) && !/[A-Za-z0-9_]/.test(text[start + h.length] ?? ''));
      if (hyphenated) {
        word = hyphenated;
        i = start + hyphenated.length;
      }
      if (TYPED_LITERALS.includes(word)) {
        const open = skipSpaces(text, i);
        if (text[open] === '(') {
          const close = findClosingParenthesis(text, open);
          if (close < 0) {
            fail(`Missing ')' after '${word}('.`, start, word);
          }
          tokens.push({ kind: 'typedLiteral', text: word, offset: start, value: text.slice(open + 1, close) });
          i = close + 1;
          continue;
        }
      }
      tokens.push({ kind: 'identifier', text: word, offset: start, value: word });
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      while (i < text.length && /[0-9]/.test(text[i])) {
        i++;
      }
      let isReal = false;
      if (text[i] === '.' && /[0-9]/.test(text[i + 1] ?? '')) {
        isReal = true;
        i++;
        while (i < text.length && /[0-9]/.test(text[i])) {
          i++;
        }
      }
      if (/[eE]/.test(text[i] ?? '') && /[-+0-9]/.test(text[i + 1] ?? '')) {
        isReal = true;
        i += 2;
        while (i < text.length && /[0-9]/.test(text[i])) {
          i++;
        }
      }
      const numberText = text.slice(start, i);
      const unitMatch = /^[A-Za-z]+/.exec(text.slice(i));
      if (unitMatch) {
        const unit = TIMESPAN_UNITS[unitMatch[0].toLowerCase()];
        if (unit === undefined) {
          fail(`A recognition error occurred at '${numberText}${unitMatch[0]}'.`, start, numberText + unitMatch[0]);
        }
        i += unitMatch[0].length;
        const ticks = isReal ? BigInt(Math.round(Number(numberText) * Number(unit))) : BigInt(numberText) * unit!;
        tokens.push({ kind: 'timespan', text: text.slice(start, i), offset: start, value: ticks });
        continue;
      }
      tokens.push(
        isReal
          ? { kind: 'real', text: numberText, offset: start, value: Number(numberText) }
          : { kind: 'integer', text: numberText, offset: start, value: BigInt(numberText) },
      );
      continue;
    }
    if (ch === '"' || ch === "'" || (ch === '@' && (text[i + 1] === '"' || text[i + 1] === "'"))) {
      const verbatim = ch === '@';
      const quote = verbatim ? text[i + 1] : ch;
      i += verbatim ? 2 : 1;
      let value = '';
      let closed = false;
      while (i < text.length) {
        const c = text[i];
        if (c === quote) {
          if (verbatim && text[i + 1] === quote) {
            value += quote;
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        if (c === '\n') {
          break;
        }
        if (c === '\\' && !verbatim) {
          const next = text[i + 1];
          const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
          value += escapes[next] ?? next ?? '';
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      if (!closed) {
        fail('Unterminated string literal.', start, text.slice(start, i));
      }
      tokens.push({ kind: 'string', text: text.slice(start, i), offset: start, value });
      continue;
    }
    if (ch === '!' && /[A-Za-z]/.test(text[i + 1] ?? '')) {
      i++;
      while (i < text.length && /[A-Za-z_]/.test(text[i])) {
        i++;
      }
      tokens.push({ kind: 'operator', text: text.slice(start, i), offset: start });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (MULTI_CHAR_OPERATORS.includes(two)) {
      tokens.push({ kind: 'operator', text: two, offset: start });
      i += 2;
      continue;
    }
    if (SINGLE_CHAR_OPERATORS.includes(ch)) {
      tokens.push({ kind: 'operator', text: ch, offset: start });
      i++;
      continue;
    }
    fail(`A recognition error occurred at '${ch}'.`, start, ch);
  }
  tokens.push({ kind: 'end', text: '<EOF>', offset: text.length });
  return tokens;
}
