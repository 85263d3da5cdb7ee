// `declare query_parameters(name:type [= default], ...);` at the start of a query: which values to ask for, and how
// to send them. Values go in the request's properties.Parameters, never into the query text. Kusto's REST docs:
// "Non-string and non-long parameters must be expressed as KQL literals in string format", so a string is sent as
// itself, a long as a JSON number (digits beyond 2^53 as a string) and anything else as e.g. "datetime(2024-01-01)".

export type ParameterType = 'string' | 'long' | 'int' | 'real' | 'bool' | 'datetime' | 'timespan' | 'guid' | 'dynamic' | 'decimal';

export interface DeclaredParameter {
  readonly name: string;
  readonly type: ParameterType;
  /** The default as written in the query (a KQL literal), if any. */
  readonly defaultLiteral?: string;
}

export class ParameterDeclarationError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'ParameterDeclarationError';
  }
}

const TYPE_NAMES: Readonly<Record<string, ParameterType>> = {
  string: 'string', long: 'long', int64: 'long', int: 'int', int32: 'int', real: 'real', double: 'real',
  bool: 'bool', boolean: 'bool', datetime: 'datetime', date: 'datetime', timespan: 'timespan', time: 'timespan',
  guid: 'guid', uniqueid: 'guid', dynamic: 'dynamic', decimal: 'decimal',
};

/**
 * The parameters the query declares, or undefined when it declares none. Comments, blank lines and `set`
 * statements may come first. A malformed declaration throws a ParameterDeclarationError naming the bad part.
 */
export function parseQueryParameters(text: string): DeclaredParameter[] | undefined {
  const reader = new Reader(text);
  for (;;) {
    reader.skipTrivia();
    if (reader.matchWord('set')) {
      reader.skipPast(';');
      continue;
    }
    break;
  }
  if (!reader.matchWord('declare')) return undefined;
  reader.skipTrivia();
  if (!reader.matchWord('query_parameters')) return undefined; // e.g. `declare pattern`: not ours
  reader.skipTrivia();
  reader.expect('(', "'(' after declare query_parameters");
  const parameters: DeclaredParameter[] = [];
  reader.skipTrivia();
  if (reader.peek() === ')') {
    reader.advance();
    return parameters;
  }
  for (;;) {
    reader.skipTrivia();
    const nameAt = reader.position;
    const name = reader.name();
    if (!name) throw new ParameterDeclarationError(`Expected a parameter name at offset ${nameAt} of the query_parameters declaration.`, nameAt);
    reader.skipTrivia();
    reader.expect(':', `':' and a type after parameter '${name}'`);
    reader.skipTrivia();
    const typeAt = reader.position;
    const typeName = reader.word();
    const type = TYPE_NAMES[typeName.toLowerCase()];
    if (!type) {
      throw new ParameterDeclarationError(
        `Parameter '${name}' has ${typeName ? `the unknown type '${typeName}'` : 'no type'}; use string, long, int, real, bool, datetime, timespan, guid, dynamic or decimal.`,
        typeAt,
      );
    }
    if (type === 'dynamic' && reader.peek() === '(') {
      reader.balanced(); // a tabular or shaped dynamic type is not asked for; keep the parse going
    }
    reader.skipTrivia();
    let defaultLiteral: string | undefined;
    if (reader.peek() === '=') {
      reader.advance();
      reader.skipTrivia();
      const start = reader.position;
      reader.literal();
      defaultLiteral = text.slice(start, reader.position).trim();
      if (!defaultLiteral) throw new ParameterDeclarationError(`Parameter '${name}' has '=' but no default value.`, start);
      reader.skipTrivia();
    }
    if (parameters.some((p) => p.name === name)) throw new ParameterDeclarationError(`Parameter '${name}' is declared twice.`, nameAt);
    parameters.push({ name, type, ...(defaultLiteral !== undefined ? { defaultLiteral } : {}) });
    const next = reader.peek();
    if (next === ',') {
      reader.advance();
      continue;
    }
    if (next === ')') {
      reader.advance();
      return parameters;
    }
    throw new ParameterDeclarationError(
      `Expected ',' or ')' after parameter '${name}' but found ${next ? `'${next}'` : 'the end of the query'}.`,
      reader.position,
    );
  }
}

/** What the input box shows for a default: a string without its quotes, a typed literal without its wrapper. */
export function defaultInputText(parameter: DeclaredParameter): string | undefined {
  const literal = parameter.defaultLiteral;
  if (literal === undefined) return undefined;
  if (parameter.type === 'string') return decodeStringLiteral(literal) ?? literal;
  const wrapped = /^([a-z_]+)\s*\(([\s\S]*)\)$/i.exec(literal);
  if (wrapped && TYPE_NAMES[wrapped[1].toLowerCase()] === parameter.type) return wrapped[2].trim();
  return literal;
}

/**
 * The value to send for what the user typed, or an error message naming the parameter and the form it needs.
 */
export function parameterRequestValue(parameter: DeclaredParameter, input: string): { value: string | number } | { error: string } {
  const text = input.trim();
  const bad = (form: string) => ({ error: `'${parameter.name}' is ${article(parameter.type)} ${parameter.type}: ${form}.` });
  switch (parameter.type) {
    case 'string':
      return { value: input };
    case 'long': {
      const digits = unwrap(text, ['long']);
      if (!/^[+-]?\d+$/.test(digits)) return bad('give a whole number, e.g. 10');
      const n = Number(digits);
      return { value: Number.isSafeInteger(n) ? n : digits.replace(/^\+/, '') };
    }
    case 'int': {
      const digits = unwrap(text, ['int']);
      if (!/^[+-]?\d+$/.test(digits) || Math.abs(Number(digits)) > 2 ** 31) return bad('give a whole number within ±2,147,483,647');
      return { value: `int(${digits})` };
    }
    case 'real': {
      const number = unwrap(text, ['real', 'double']);
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(number) && !/^[+-]?inf$|^nan$/i.test(number)) return bad('give a number, e.g. 2.5');
      return { value: `real(${number})` };
    }
    case 'decimal': {
      const number = unwrap(text, ['decimal']);
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(number)) return bad('give a number, e.g. 12.50');
      return { value: `decimal(${number})` };
    }
    case 'bool': {
      const value = unwrap(text, ['bool', 'boolean']).toLowerCase();
      if (value !== 'true' && value !== 'false') return bad('give true or false');
      return { value: `bool(${value})` };
    }
    case 'datetime': {
      const value = unwrap(text, ['datetime', 'date']);
      if (!/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?)?Z?$/.test(value)) return bad('give a date and time like 2024-01-31 or 2024-01-31T08:00:00Z');
      return { value: `datetime(${value})` };
    }
    case 'timespan': {
      const value = unwrap(text, ['timespan', 'time']);
      if (!/^(\d+(\.\d+)?(d|h|m|s|ms|microsecond|tick)|(\d+\.)?\d{1,2}:\d{2}(:\d{2}(\.\d{1,7})?)?)$/.test(value)) return bad('give a timespan like 1h, 30m, 2d or 01:30:00');
      return { value: `time(${value})` };
    }
    case 'guid': {
      const value = unwrap(text, ['guid', 'uniqueid']);
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return bad('give a GUID like 74be27de-1e4e-49d9-b579-fe0b331d3642');
      return { value: `guid(${value})` };
    }
    case 'dynamic': {
      const value = unwrap(text, ['dynamic']);
      try {
        JSON.parse(value);
      } catch {
        return bad('give JSON, e.g. ["a", "b"] or {"k": 1}');
      }
      return { value: `dynamic(${value})` };
    }
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? 'an' : 'a';
}

/** `datetime(2024-01-01)` → `2024-01-01` when the wrapper names the type; the text as it is otherwise. */
function unwrap(text: string, wrappers: readonly string[]): string {
  const match = /^([a-z]+)\s*\(([\s\S]*)\)$/i.exec(text);
  return match && wrappers.includes(match[1].toLowerCase()) ? match[2].trim() : text;
}

/** A KQL string literal's value: "..." or '...' with backslash escapes, @"..." verbatim; undefined if not one. */
export function decodeStringLiteral(literal: string): string | undefined {
  let text = literal.trim();
  let raw = false;
  if (/^h@?["']/i.test(text)) text = text.slice(1); // h"..." hides the value from logs; same value
  if (text.startsWith('@')) {
    raw = true;
    text = text.slice(1);
  }
  const quote = text[0];
  if ((quote !== '"' && quote !== "'") || text.length < 2 || text[text.length - 1] !== quote) return undefined;
  const body = text.slice(1, -1);
  if (raw) return body.split(quote + quote).join(quote);
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, escape: string) => {
    switch (escape[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'u':
        return String.fromCharCode(parseInt(escape.slice(1), 16));
      default:
        return escape;
    }
  });
}

class Reader {
  position = 0;

  constructor(private readonly text: string) {}

  peek(): string {
    return this.text[this.position] ?? '';
  }

  advance(): void {
    this.position++;
  }

  skipTrivia(): void {
    for (;;) {
      while (/\s/.test(this.peek())) this.position++;
      if (this.text.startsWith('//', this.position)) {
        const end = this.text.indexOf('\n', this.position);
        this.position = end < 0 ? this.text.length : end + 1;
        continue;
      }
      return;
    }
  }

  matchWord(word: string): boolean {
    const slice = this.text.slice(this.position, this.position + word.length);
    const after = this.text[this.position + word.length] ?? '';
    if (slice.toLowerCase() === word && !/[\w]/.test(after)) {
      if (slice !== word) return false; // KQL keywords are case-sensitive
      this.position += word.length;
      return true;
    }
    return false;
  }

  skipPast(char: string): void {
    while (this.position < this.text.length) {
      const c = this.peek();
      if (c === '"' || c === "'") this.quoted();
      else {
        this.position++;
        if (c === char) return;
      }
    }
  }

  expect(char: string, what: string): void {
    if (this.peek() !== char) {
      const found = this.peek() ? `'${this.peek()}'` : 'the end of the query';
      throw new ParameterDeclarationError(`Expected ${what} but found ${found}.`, this.position);
    }
    this.position++;
  }

  word(): string {
    const match = /^[A-Za-z_][\w]*/.exec(this.text.slice(this.position));
    if (!match) return '';
    this.position += match[0].length;
    return match[0];
  }

  /** A name, plain or bracketed with quotes: ['my name']. */
  name(): string {
    if (this.peek() === '[') {
      this.position++;
      this.skipTrivia();
      const start = this.position;
      this.quoted();
      const name = decodeStringLiteral(this.text.slice(start, this.position));
      this.skipTrivia();
      this.expect(']', "']' after a bracketed name");
      return name ?? '';
    }
    return this.word();
  }

  quoted(): void {
    const quote = this.peek();
    const start = this.position;
    this.position++;
    while (this.position < this.text.length) {
      const c = this.peek();
      if (c === '\\') {
        this.position += 2;
        continue;
      }
      this.position++;
      if (c === quote) return;
    }
    throw new ParameterDeclarationError(`A string starting at offset ${start} is not closed.`, start);
  }

  balanced(): void {
    let depth = 0;
    while (this.position < this.text.length) {
      const c = this.peek();
      if (c === '"' || c === "'") {
        this.quoted();
        continue;
      }
      this.position++;
      if (c === '(' || c === '[' || c === '{') depth++;
      else if ((c === ')' || c === ']' || c === '}') && --depth === 0) return;
    }
    throw new ParameterDeclarationError('A parenthesis in the query_parameters declaration is not closed.', this.position);
  }

  /** A default value: up to the next ',' or ')' at depth 0 (strings and nested parentheses skipped). */
  literal(): void {
    while (this.position < this.text.length) {
      const c = this.peek();
      if (c === ',' || c === ')') return;
      if (c === '"' || c === "'") this.quoted();
      else if (c === '(' || c === '[' || c === '{') this.balanced();
      else this.position++;
    }
  }
}
