// A small KQL engine for the local Kusto server: parses and type-checks a query up front (so every mistake is a
// Kusto-style 400 before the response starts), then evaluates lazily over row iterators so large tables stream.
// Supported: tabular statements separated by ';' (each gives one PrimaryResult, like a Kusto batch), `set`
// statements, `print`, table/materialized view/external table/function sources, and the operators where, take,
// limit, count, project, project-away, project-rename, extend, summarize, order/sort by, top, distinct, getschema,
// render.

import { KustoServiceError, badRequest, semanticError, syntaxError } from './kustoErrors';
import { Token, positionOf, tokenize } from './kqlTokenizer';
import {
  CellValue,
  ColumnSchema,
  DecimalValue,
  Row,
  ScalarType,
  datetimeFromIso,
  datetimeFromUnixMs,
  dynamicLiteral,
  formatDatetime,
  formatTimespan,
  timespanFromText,
} from './kustoTypes';
import { DatabaseDefinition, TableDefinition } from './sampleData';

export interface Visualization {
  readonly [key: string]: unknown;
}

export interface StatementResult {
  readonly columns: readonly ColumnSchema[];
  rows(): Iterable<Row>;
  readonly visualization?: Visualization;
}

export interface CompiledQuery {
  /** Request options set with `set name[=value];` statements. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly results: readonly StatementResult[];
}

interface Expression {
  readonly type: ScalarType;
  evaluate(row: Row): CellValue;
  /** The column name this expression produces when not named explicitly (a column reference keeps its name). */
  readonly suggestedName?: string;
}

interface TabularValue {
  readonly columns: readonly ColumnSchema[];
  rows(): Iterable<Row>;
  visualization?: Visualization;
}

const UNSUPPORTED_OPERATORS = new Set([
  'join', 'union', 'lookup', 'mv-expand', 'mv-apply', 'parse', 'parse-where', 'make-series', 'serialize', 'sample',
  'sample-distinct', 'evaluate', 'as', 'invoke', 'fork', 'facet', 'search', 'find', 'scan', 'partition', 'reduce',
  'range', 'datatable', 'externaldata', 'consume', 'project-keep', 'project-reorder', 'let',
]);

const CHART_TYPES = [
  'anomalychart', 'areachart', 'barchart', 'card', 'columnchart', 'ladderchart', 'linechart', 'piechart',
  'pivotchart', 'scatterchart', 'stackedareachart', 'table', 'timechart', 'timepivot', 'treemap', '3Dchart', 'map',
];

const MAX_FUNCTION_DEPTH = 8;

export function compileQuery(
  text: string,
  database: DatabaseDefinition,
  scope: ReadonlyMap<string, Expression> = new Map(),
  depth = 0,
  parameters: Readonly<Record<string, unknown>> = {},
): CompiledQuery {
  if (!text.trim()) {
    throw badRequest('The query is empty.');
  }
  return new QueryCompiler(text, database, scope, depth, parameters).compile();
}

class QueryCompiler {
  private readonly tokens: Token[];
  private index = 0;

  constructor(
    private readonly text: string,
    private readonly database: DatabaseDefinition,
    scope: ReadonlyMap<string, Expression>,
    private readonly depth: number,
    /** Request parameters (properties.Parameters) for `declare query_parameters`. */
    private readonly parameters: Readonly<Record<string, unknown>> = {},
  ) {
    this.tokens = tokenize(text);
    this.bindings = new Map(scope);
  }

  /** Names in scope: the caller's, then query parameters declared by this query. */
  private readonly bindings: Map<string, Expression>;

  compile(): CompiledQuery {
    const options: Record<string, unknown> = {};
    const results: StatementResult[] = [];
    while (this.peek().kind !== 'end') {
      if (this.isOperator(';')) {
        this.next();
        continue;
      }
      if (this.isWord('set')) {
        this.next();
        const name = this.expectIdentifier('option name');
        let value: unknown = true;
        if (this.isOperator('=')) {
          this.next();
          const token = this.next();
          value = token.kind === 'integer' ? Number(token.value) : token.value ?? token.text;
          if (token.text === 'true' || token.text === 'false') {
            value = token.text === 'true';
          }
        }
        options[name.toLowerCase()] = value;
      } else if (this.isWord('declare')) {
        this.declareQueryParameters();
      } else {
        results.push(this.tabularStatement());
      }
      if (this.peek().kind !== 'end') {
        this.expectOperator(';');
      }
    }
    if (results.length === 0) {
      throw syntaxError('The query has no tabular statement.', positionOf(this.text, this.text.length));
    }
    return { options, results };
  }

  /**
   * `declare query_parameters(name:type [= default], ...)`: each name is bound to the request's value for it
   * (strings and longs as JSON values, other types as KQL literals in a string, as Kusto documents), else to
   * its default; a parameter with neither is an error naming it.
   */
  private declareQueryParameters(): void {
    this.next();
    this.expectWord('query_parameters');
    this.expectOperator('(');
    while (!this.isOperator(')')) {
      const nameToken = this.peek();
      const name = this.expectIdentifier('a parameter name');
      this.expectOperator(':');
      const typeToken = this.next();
      const type = PARAMETER_TYPES[typeToken.text.toLowerCase()];
      if (!type) {
        throw semanticError('SEM0060', `Query parameter '${name}': unknown type '${typeToken.text}'.`, this.position(typeToken));
      }
      let fallback: Expression | undefined;
      if (this.isOperator('=')) {
        this.next();
        fallback = this.expression([], 'declare query_parameters');
      }
      const supplied = Object.prototype.hasOwnProperty.call(this.parameters, name) ? this.parameters[name] : undefined;
      let value: Expression;
      if (supplied !== undefined && supplied !== null) {
        value = this.parameterValue(name, type, supplied, nameToken);
      } else if (fallback) {
        value = fallback;
      } else {
        throw semanticError('SEM0061', `Query parameter '${name}' has no default value and the request gives none (properties.Parameters).`, this.position(nameToken));
      }
      this.bindings.set(name, convertParameter(name, type, value, this.position(nameToken)));
      if (!this.isOperator(')')) {
        this.expectOperator(',');
      }
    }
    this.expectOperator(')');
  }

  private parameterValue(name: string, type: ScalarType, supplied: unknown, token: Token): Expression {
    if (type === 'string' && typeof supplied === 'string') {
      return literal('string', supplied);
    }
    if (typeof supplied === 'number' || typeof supplied === 'boolean') {
      return constantExpression(String(supplied), this.database);
    }
    if (typeof supplied !== 'string') {
      throw semanticError('SEM0062', `Query parameter '${name}': the request's value must be a string or a number.`, this.position(token));
    }
    try {
      const wrapped = /^\s*(int|long|real|double|bool|boolean|decimal|guid)\s*\(([\s\S]*)\)\s*$/i.exec(supplied);
      if (wrapped) {
        return wrappedLiteral(wrapped[1].toLowerCase(), wrapped[2].trim());
      }
      return constantExpression(supplied, this.database);
    } catch {
      throw semanticError('SEM0062', `Query parameter '${name}' (${type}): the request's value ${JSON.stringify(supplied)} is not a ${type} literal.`, this.position(token));
    }
  }

  // ------------------------------------------------------------------ token helpers

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') {
      this.index++;
    }
    return token;
  }

  private isOperator(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'operator' && token.text === text;
  }

  private isWord(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'identifier' && token.text === text;
  }

  private position(token: Token) {
    return positionOf(this.text, token.offset, token.text);
  }

  private unexpected(token: Token, expected: string): KustoServiceError {
    return syntaxError(`Expected ${expected} but found '${token.text}'.`, this.position(token));
  }

  private expectOperator(text: string): Token {
    const token = this.next();
    if (token.kind !== 'operator' || token.text !== text) {
      throw this.unexpected(token, `'${text}'`);
    }
    return token;
  }

  /** `( item, item, … )`: the items parsed by `item`, in order (an empty list is allowed). */
  private parenthesizedList<T>(item: () => T): T[] {
    this.expectOperator('(');
    const items: T[] = [];
    while (!this.isOperator(')')) {
      items.push(item());
      if (!this.isOperator(')')) {
        this.expectOperator(',');
      }
    }
    this.expectOperator(')');
    return items;
  }

  private expectWord(text: string): Token {
    const token = this.next();
    if (token.kind !== 'identifier' || token.text !== text) {
      throw this.unexpected(token, `'${text}'`);
    }
    return token;
  }

  private expectIdentifier(what: string): string {
    const token = this.next();
    if (token.kind === 'identifier') {
      return token.text;
    }
    if (token.kind === 'operator' && token.text === '[') {
      const name = this.next();
      if (name.kind !== 'string') {
        throw this.unexpected(name, 'a quoted name');
      }
      this.expectOperator(']');
      return String(name.value);
    }
    throw this.unexpected(token, what);
  }

  private expectCount(operator: string): number {
    const token = this.next();
    // A name bound to a number (a query parameter) counts too: `take n`.
    const bound = token.kind === 'identifier' ? this.bindings.get(token.text) : undefined;
    if (token.kind !== 'integer' && !(bound && ['int', 'long'].includes(bound.type))) {
      throw this.unexpected(token, `a row count after '${operator}'`);
    }
    const count = Number(bound ? bound.evaluate([]) : token.value);
    if (!Number.isSafeInteger(count) || count < 0) {
      throw semanticError('SEM0001', `'${operator}' operator: the row count must be a non-negative integer.`, this.position(token));
    }
    return count;
  }

  // ------------------------------------------------------------------ statements and sources

  private tabularStatement(): StatementResult {
    let table = this.tabularSource();
    while (this.isOperator('|')) {
      this.next();
      if (table.visualization) {
        throw semanticError('SEM0107', "'render' must be the last operator of a query.", this.position(this.peek()));
      }
      table = this.tabularOperator(table);
    }
    const token = this.peek();
    if (token.kind !== 'end' && !this.isOperator(';')) {
      throw this.unexpected(token, "'|' or ';'");
    }
    return table;
  }

  private tabularSource(): TabularValue {
    const token = this.peek();
    if (token.kind !== 'identifier') {
      throw this.unexpected(token, 'a table name');
    }
    if (token.text === 'print') {
      this.next();
      return this.print();
    }
    if (UNSUPPORTED_OPERATORS.has(token.text)) {
      throw notSupported(`'${token.text}'`, this.position(token));
    }
    this.next();
    if (this.isOperator('(')) {
      return this.sourceCall(token);
    }
    return this.namedSource(token.text, token);
  }

  private namedSource(name: string, token: Token): TabularValue {
    const table = this.database.tables.find((t) => t.name === name);
    if (table) {
      return tableValue(table);
    }
    const view = this.database.materializedViews.find((v) => v.name === name);
    if (view) {
      return this.subQuery(view.query, new Map(), token);
    }
    const fn = this.database.functions.find((f) => f.name === name && f.parameters.length === 0);
    if (fn) {
      return this.subQuery(stripBraces(fn.body), new Map(), token);
    }
    throw semanticError(
      'SEM0100',
      `'${name}': Failed to resolve table or column expression named '${name}'`,
      this.position(token),
    );
  }

  private sourceCall(nameToken: Token): TabularValue {
    const name = nameToken.text;
    const args = this.parenthesizedList(() => this.expression([]));
    const constantArg = () => {
      if (args.length !== 1 || args[0].type !== 'string') {
        throw semanticError('SEM0219', `'${name}' expects one string argument.`, this.position(nameToken));
      }
      return String(args[0].evaluate([]));
    };
    if (name === 'table') {
      return this.namedSource(constantArg(), nameToken);
    }
    if (name === 'materialized_view') {
      const viewName = constantArg();
      const view = this.database.materializedViews.find((v) => v.name === viewName);
      if (!view) {
        throw semanticError('SEM0100', `Failed to resolve materialized view named '${viewName}'`, this.position(nameToken));
      }
      return this.subQuery(view.query, new Map(), nameToken);
    }
    if (name === 'external_table') {
      const tableName = constantArg();
      const external = this.database.externalTables.find((t) => t.name === tableName);
      if (!external) {
        throw semanticError('SEM0100', `Failed to resolve external table named '${tableName}'`, this.position(nameToken));
      }
      return tableValue(external);
    }
    const fn = this.database.functions.find((f) => f.name === name);
    if (!fn) {
      throw semanticError('SEM0219', `Unknown function: '${name}'.`, this.position(nameToken));
    }
    if (args.length > fn.parameters.length) {
      throw semanticError(
        'SEM0219',
        `Function '${name}' expects at most ${fn.parameters.length} arguments, got ${args.length}.`,
        this.position(nameToken),
      );
    }
    const bindings = new Map<string, Expression>();
    fn.parameters.forEach((parameter, i) => {
      let argument = args[i];
      if (!argument) {
        if (parameter.defaultValue === undefined) {
          throw semanticError('SEM0219', `Function '${name}': missing value for parameter '${parameter.name}'.`, this.position(nameToken));
        }
        argument = constantExpression(parameter.defaultValue, this.database);
      }
      const value = argument.evaluate([]);
      bindings.set(parameter.name, { type: parameter.type, evaluate: () => convertScalar(value, argument.type, parameter.type) });
    });
    return this.subQuery(stripBraces(fn.body), bindings, nameToken);
  }

  private subQuery(query: string, bindings: ReadonlyMap<string, Expression>, token: Token): TabularValue {
    if (this.depth >= MAX_FUNCTION_DEPTH) {
      throw semanticError('SEM0219', 'Functions call each other too deeply.', this.position(token));
    }
    const compiled = compileQuery(query, this.database, bindings, this.depth + 1);
    const result = compiled.results[0];
    return { columns: result.columns, rows: () => result.rows() };
  }

  private print(): TabularValue {
    const columns: ColumnSchema[] = [];
    const expressions: Expression[] = [];
    let unnamed = 0;
    do {
      if (this.isOperator(',')) {
        this.next();
      }
      let name: string | undefined;
      if (this.peek().kind === 'identifier' && this.isOperator('=', 1)) {
        name = this.next().text;
        this.next();
      }
      const expression = this.expression([]);
      columns.push({ name: name ?? `print_${unnamed++}`, type: expression.type });
      expressions.push(expression);
    } while (this.isOperator(','));
    return { columns, rows: () => [expressions.map((e) => e.evaluate([]))] };
  }

  // ------------------------------------------------------------------ tabular operators

  private tabularOperator(input: TabularValue): TabularValue {
    const token = this.next();
    if (token.kind !== 'identifier') {
      throw this.unexpected(token, 'a query operator');
    }
    switch (token.text) {
      case 'where':
      case 'filter':
        return this.where(input, token);
      case 'take':
      case 'limit':
        return take(input, this.expectCount(token.text));
      case 'count':
        return countRows(input);
      case 'project':
        return this.project(input, false);
      case 'extend':
        return this.project(input, true);
      case 'project-away':
        return this.projectAway(input);
      case 'project-rename':
        return this.projectRename(input);
      case 'summarize':
        return this.summarize(input);
      case 'order':
      case 'sort':
        this.expectWord('by');
        return sortRows(input, this.sortKeys(input), undefined);
      case 'top': {
        const count = this.expectCount('top');
        this.expectWord('by');
        return sortRows(input, this.sortKeys(input).slice(0, 1), count);
      }
      case 'distinct':
        return this.distinct(input);
      case 'getschema':
        return getSchema(input);
      case 'render':
        return this.render(input);
      default:
        if (UNSUPPORTED_OPERATORS.has(token.text)) {
          throw notSupported(`The '${token.text}' operator`, this.position(token));
        }
        throw syntaxError(`Query could not be parsed at '${token.text}': unknown query operator.`, this.position(token));
    }
  }

  private where(input: TabularValue, operatorToken: Token): TabularValue {
    const start = this.peek();
    const predicate = this.expression(input.columns, 'where');
    if (predicate.type !== 'bool') {
      throw semanticError(
        'SEM0025',
        `'${operatorToken.text}' operator: the predicate must be of type bool, but it is of type ${predicate.type}.`,
        this.position(start),
      );
    }
    return {
      columns: input.columns,
      *rows() {
        for (const row of input.rows()) {
          if (predicate.evaluate(row) === true) {
            yield row;
          }
        }
      },
    };
  }

  private namedExpressions(input: TabularValue, operator: string): Array<{ name: string; expression: Expression }> {
    const items: Array<{ name: string; expression: Expression }> = [];
    let unnamed = 1;
    do {
      if (this.isOperator(',')) {
        this.next();
      }
      let name: string | undefined;
      if ((this.peek().kind === 'identifier' && this.isOperator('=', 1)) || (this.isOperator('[') && this.isOperator('=', 3))) {
        name = this.expectIdentifier('a column name');
        this.next();
      }
      const expression = this.expression(input.columns, operator);
      items.push({ name: name ?? expression.suggestedName ?? `Column${unnamed++}`, expression });
    } while (this.isOperator(','));
    return items;
  }

  private project(input: TabularValue, extend: boolean): TabularValue {
    const items = this.namedExpressions(input, extend ? 'extend' : 'project');
    const columns: ColumnSchema[] = extend ? [...input.columns] : [];
    const producers: Array<(row: Row) => CellValue> = extend ? input.columns.map((_, i) => (row: Row) => row[i]) : [];
    for (const { name, expression } of items) {
      const existing = columns.findIndex((c) => c.name === name);
      const column: ColumnSchema = { name, type: expression.type };
      const producer = (row: Row) => expression.evaluate(row);
      if (existing >= 0) {
        columns[existing] = column;
        producers[existing] = producer;
      } else {
        columns.push(column);
        producers.push(producer);
      }
    }
    return {
      columns,
      *rows() {
        for (const row of input.rows()) {
          yield producers.map((produce) => produce(row));
        }
      },
    };
  }

  private columnList(input: TabularValue, operator: string): number[] {
    const indexes: number[] = [];
    do {
      if (this.isOperator(',')) {
        this.next();
      }
      const token = this.peek();
      const name = this.expectIdentifier('a column name');
      const index = input.columns.findIndex((c) => c.name === name);
      if (index < 0) {
        throw semanticError('SEM0100', `'${operator}' operator: Failed to resolve scalar expression named '${name}'`, this.position(token));
      }
      indexes.push(index);
    } while (this.isOperator(','));
    return indexes;
  }

  private projectAway(input: TabularValue): TabularValue {
    const away = new Set(this.columnList(input, 'project-away'));
    const keep = input.columns.map((_, i) => i).filter((i) => !away.has(i));
    return {
      columns: keep.map((i) => input.columns[i]),
      *rows() {
        for (const row of input.rows()) {
          yield keep.map((i) => row[i]);
        }
      },
    };
  }

  private projectRename(input: TabularValue): TabularValue {
    const columns = [...input.columns];
    do {
      if (this.isOperator(',')) {
        this.next();
      }
      const newName = this.expectIdentifier('a new column name');
      this.expectOperator('=');
      const token = this.peek();
      const oldName = this.expectIdentifier('a column name');
      const index = columns.findIndex((c) => c.name === oldName);
      if (index < 0) {
        throw semanticError('SEM0100', `'project-rename' operator: Failed to resolve scalar expression named '${oldName}'`, this.position(token));
      }
      columns[index] = { ...columns[index], name: newName };
    } while (this.isOperator(','));
    return { columns, rows: () => input.rows() };
  }

  private summarize(input: TabularValue): TabularValue {
    const aggregates: Array<{ name: string; create: () => Accumulator; type: ScalarType }> = [];
    if (!this.isWord('by')) {
      do {
        if (this.isOperator(',')) {
          this.next();
        }
        let name: string | undefined;
        if (this.peek().kind === 'identifier' && this.isOperator('=', 1)) {
          name = this.next().text;
          this.next();
        }
        const aggregate = this.aggregate(input);
        aggregates.push({ ...aggregate, name: name ?? aggregate.name });
      } while (this.isOperator(','));
    }
    let keys: Array<{ name: string; expression: Expression }> = [];
    if (this.isWord('by')) {
      this.next();
      keys = this.namedExpressions(input, 'summarize');
    }
    if (aggregates.length === 0 && keys.length === 0) {
      throw this.unexpected(this.peek(), 'an aggregation or a by clause');
    }
    const columns: ColumnSchema[] = [
      ...keys.map((k) => ({ name: k.name, type: k.expression.type })),
      ...aggregates.map((a) => ({ name: a.name, type: a.type })),
    ];
    return {
      columns,
      *rows() {
        const groups = new Map<string, { keyValues: CellValue[]; accumulators: Accumulator[] }>();
        for (const row of input.rows()) {
          const keyValues = keys.map((k) => k.expression.evaluate(row));
          const groupKey = keyValues.map(groupKeyPart).join('\u0001');
          let group = groups.get(groupKey);
          if (!group) {
            group = { keyValues, accumulators: aggregates.map((a) => a.create()) };
            groups.set(groupKey, group);
          }
          for (const accumulator of group.accumulators) {
            accumulator.add(row);
          }
        }
        if (groups.size === 0 && keys.length === 0) {
          // An aggregation without keys always yields one row, even over no input.
          yield aggregates.map((a) => a.create().result());
          return;
        }
        for (const group of groups.values()) {
          yield [...group.keyValues, ...group.accumulators.map((a) => a.result())];
        }
      },
    };
  }

  private aggregate(input: TabularValue): { name: string; create: () => Accumulator; type: ScalarType } {
    const token = this.next();
    if (token.kind !== 'identifier' || !this.isOperator('(')) {
      throw this.unexpected(token, 'an aggregation function such as count()');
    }
    this.next();
    const args: Expression[] = [];
    while (!this.isOperator(')')) {
      args.push(this.expression(input.columns, 'summarize'));
      if (!this.isOperator(')')) {
        this.expectOperator(',');
      }
    }
    this.expectOperator(')');
    const name = token.text;
    const arity = (count: number) => {
      if (args.length !== count) {
        throw semanticError('SEM0219', `'${name}': expected ${count} argument(s), got ${args.length}.`, this.position(token));
      }
    };
    const columnSuffix = args[0]?.suggestedName ?? '';
    switch (name) {
      case 'count':
        arity(0);
        return { name: 'count_', type: 'long', create: () => counter(() => true) };
      case 'countif': {
        arity(1);
        const predicate = args[0];
        return { name: 'countif_', type: 'long', create: () => counter((row) => predicate.evaluate(row) === true) };
      }
      case 'sum': {
        arity(1);
        requireNumeric(args[0], name, this.position(token));
        const type: ScalarType = args[0].type === 'int' || args[0].type === 'long' ? 'long' : args[0].type === 'timespan' ? 'timespan' : 'real';
        return { name: `sum_${columnSuffix}`, type, create: () => summer(args[0], type) };
      }
      case 'avg': {
        arity(1);
        requireNumeric(args[0], name, this.position(token));
        return { name: `avg_${columnSuffix}`, type: 'real', create: () => averager(args[0]) };
      }
      case 'min':
      case 'max': {
        arity(1);
        const sign = name === 'min' ? -1 : 1;
        return { name: `${name}_${columnSuffix}`, type: args[0].type, create: () => extremum(args[0], sign) };
      }
      case 'dcount': {
        arity(1);
        return { name: `dcount_${columnSuffix}`, type: 'long', create: () => distinctCounter(args[0]) };
      }
      case 'take_any':
      case 'any': {
        arity(1);
        return { name: columnSuffix || 'any_', type: args[0].type, create: () => firstValue(args[0]) };
      }
      default:
        throw semanticError('SEM0219', `Unknown aggregation function: '${name}'.`, this.position(token));
    }
  }

  private sortKeys(input: TabularValue): SortKey[] {
    const keys: SortKey[] = [];
    do {
      if (this.isOperator(',')) {
        this.next();
      }
      const expression = this.expression(input.columns, 'order by');
      let descending = true; // Kusto sorts descending unless told otherwise.
      if (this.isWord('asc') || this.isWord('desc')) {
        descending = this.next().text === 'desc';
      }
      let nullsFirst = !descending;
      if (this.isWord('nulls')) {
        this.next();
        const where = this.next();
        if (where.text !== 'first' && where.text !== 'last') {
          throw this.unexpected(where, "'first' or 'last'");
        }
        nullsFirst = where.text === 'first';
      }
      keys.push({ expression, descending, nullsFirst });
    } while (this.isOperator(','));
    return keys;
  }

  private distinct(input: TabularValue): TabularValue {
    let indexes: number[];
    if (this.isOperator('*')) {
      this.next();
      indexes = input.columns.map((_, i) => i);
    } else {
      indexes = this.columnList(input, 'distinct');
    }
    return {
      columns: indexes.map((i) => input.columns[i]),
      *rows() {
        const seen = new Set<string>();
        for (const row of input.rows()) {
          const values = indexes.map((i) => row[i]);
          const key = values.map(groupKeyPart).join('\u0001');
          if (!seen.has(key)) {
            seen.add(key);
            yield values;
          }
        }
      },
    };
  }

  private render(input: TabularValue): TabularValue {
    const token = this.next();
    if (token.kind !== 'identifier' || !CHART_TYPES.includes(token.text)) {
      throw this.unexpected(token, `a chart type (${CHART_TYPES.join(', ')})`);
    }
    const visualization: Record<string, unknown> = emptyVisualization();
    visualization.Visualization = token.text;
    if (this.isWord('with')) {
      this.next();
      this.expectOperator('(');
      const propertyNames: Record<string, string> = {
        title: 'Title', xcolumn: 'XColumn', series: 'Series', ycolumns: 'YColumns', anomalycolumns: 'AnomalyColumns',
        xtitle: 'XTitle', ytitle: 'YTitle', xaxis: 'XAxis', yaxis: 'YAxis', legend: 'Legend', ysplit: 'YSplit',
        accumulate: 'Accumulate', kind: 'Kind', ymin: 'Ymin', ymax: 'Ymax', xmin: 'Xmin', xmax: 'Xmax',
      };
      while (!this.isOperator(')')) {
        const keyToken = this.next();
        const property = propertyNames[keyToken.text];
        if (!property) {
          throw this.unexpected(keyToken, 'a render property such as title, xcolumn, ycolumns or kind');
        }
        this.expectOperator('=');
        const values: string[] = [String(this.next().value ?? '')];
        // List-valued properties: `ycolumns=a, b` continues until the next `name=`.
        while (['YColumns', 'Series', 'AnomalyColumns'].includes(property) && this.isOperator(',') && !this.isOperator('=', 2)) {
          this.next();
          values.push(String(this.next().value ?? ''));
        }
        if (['YColumns', 'Series', 'AnomalyColumns'].includes(property)) {
          visualization[property] = values.join(',');
        } else if (property === 'Accumulate') {
          visualization[property] = values[0] === 'true';
        } else if (['Ymin', 'Ymax', 'Xmin', 'Xmax'].includes(property)) {
          visualization[property] = Number(values[0]);
        } else {
          visualization[property] = values[0];
        }
        if (this.isOperator(',')) {
          this.next();
        }
      }
      this.expectOperator(')');
    }
    return { columns: input.columns, rows: () => input.rows(), visualization };
  }

  // ------------------------------------------------------------------ scalar expressions

  private expression(columns: readonly ColumnSchema[], operator = 'project'): Expression {
    return this.orExpression(columns, operator);
  }

  private orExpression(columns: readonly ColumnSchema[], operator: string): Expression {
    return this.logicalChain('or', () => this.andExpression(columns, operator));
  }

  private andExpression(columns: readonly ColumnSchema[], operator: string): Expression {
    return this.logicalChain('and', () => this.comparison(columns, operator));
  }

  /** `operand (word operand)*`, left-associative. */
  private logicalChain(word: 'or' | 'and', operand: () => Expression): Expression {
    let left = operand();
    while (this.isWord(word)) {
      const token = this.next();
      left = logical(left, operand(), word, this.position(token));
    }
    return left;
  }

  private comparison(columns: readonly ColumnSchema[], operator: string): Expression {
    const left = this.additive(columns, operator);
    const token = this.peek();
    const symbolic = ['==', '!=', '<>', '<', '<=', '>', '>=', '=~', '!~'];
    const words = ['has', 'contains', 'startswith', 'endswith', 'has_cs', 'contains_cs', 'startswith_cs', 'endswith_cs'];
    if (token.kind === 'operator' && symbolic.includes(token.text)) {
      this.next();
      const right = this.additive(columns, operator);
      return compare(left, right, token.text === '<>' ? '!=' : token.text, this.position(token));
    }
    const negatedWord = token.kind === 'operator' && token.text.startsWith('!') ? token.text.slice(1) : undefined;
    if ((token.kind === 'identifier' && words.includes(token.text)) || (negatedWord && words.includes(negatedWord))) {
      this.next();
      const right = this.additive(columns, operator);
      return stringPredicate(left, right, negatedWord ?? token.text, negatedWord !== undefined, this.position(token));
    }
    if ((token.kind === 'identifier' && (token.text === 'in' || token.text === 'in~')) || (negatedWord === 'in')) {
      this.next();
      const list = this.parenthesizedList(() => this.additive(columns, operator));
      return inList(left, list, negatedWord === 'in');
    }
    return left;
  }

  private additive(columns: readonly ColumnSchema[], operator: string): Expression {
    let left = this.multiplicative(columns, operator);
    while (this.isOperator('+') || this.isOperator('-')) {
      const token = this.next();
      const right = this.multiplicative(columns, operator);
      left = arithmetic(left, right, token.text, this.position(token));
    }
    return left;
  }

  private multiplicative(columns: readonly ColumnSchema[], operator: string): Expression {
    let left = this.unary(columns, operator);
    while (this.isOperator('*') || this.isOperator('/') || this.isOperator('%')) {
      const token = this.next();
      const right = this.unary(columns, operator);
      left = arithmetic(left, right, token.text, this.position(token));
    }
    return left;
  }

  private unary(columns: readonly ColumnSchema[], operator: string): Expression {
    if (this.isOperator('-')) {
      const token = this.next();
      const operand = this.unary(columns, operator);
      return arithmetic(literal('long', 0n), operand, '-', this.position(token));
    }
    return this.postfix(columns, operator);
  }

  private postfix(columns: readonly ColumnSchema[], operator: string): Expression {
    let expression = this.primary(columns, operator);
    for (;;) {
      if (this.isOperator('.') && expression.type === 'dynamic') {
        this.next();
        const member = this.expectIdentifier('a property name');
        expression = dynamicMember(expression, member);
      } else if (this.isOperator('[') && expression.type === 'dynamic') {
        this.next();
        const key = this.expression(columns, operator);
        this.expectOperator(']');
        const base = expression;
        expression = {
          type: 'dynamic',
          evaluate: (row) => {
            const container = base.evaluate(row);
            const index = key.evaluate(row);
            if (container === null || typeof container !== 'object' || index === null) {
              return null;
            }
            const value = (container as Record<string, unknown>)[String(index)];
            return value === undefined ? null : (value as CellValue);
          },
        };
      } else {
        return expression;
      }
    }
  }

  private primary(columns: readonly ColumnSchema[], operator: string): Expression {
    const token = this.next();
    switch (token.kind) {
      case 'integer':
        return literal('long', token.value as bigint);
      case 'real':
        return literal('real', token.value as number);
      case 'timespan':
        return literal('timespan', token.value as bigint);
      case 'string':
        return literal('string', token.value as string);
      case 'typedLiteral':
        return typedLiteral(token.text, String(token.value), this.position(token));
      case 'operator':
        if (token.text === '(') {
          const inner = this.expression(columns, operator);
          this.expectOperator(')');
          return inner;
        }
        if (token.text === '[') {
          this.index--;
          const name = this.expectIdentifier('a column name');
          return this.columnReference(name, columns, operator, token);
        }
        throw this.unexpected(token, 'an expression');
      case 'identifier':
        if (token.text === 'true' || token.text === 'false') {
          return literal('bool', token.text === 'true');
        }
        if (this.isOperator('(')) {
          return this.scalarCall(token, columns, operator);
        }
        return this.columnReference(token.text, columns, operator, token);
      default:
        throw this.unexpected(token, 'an expression');
    }
  }

  private columnReference(name: string, columns: readonly ColumnSchema[], operator: string, token: Token): Expression {
    const index = columns.findIndex((c) => c.name === name);
    if (index >= 0) {
      return { type: columns[index].type, evaluate: (row) => row[index], suggestedName: name };
    }
    const bound = this.bindings.get(name);
    if (bound) {
      return bound;
    }
    throw semanticError('SEM0100', `'${operator}' operator: Failed to resolve scalar expression named '${name}'`, this.position(token));
  }

  private scalarCall(nameToken: Token, columns: readonly ColumnSchema[], operator: string): Expression {
    const args = this.parenthesizedList(() => this.expression(columns, operator));
    return scalarFunction(nameToken.text, args, this.position(nameToken));
  }
}

// ------------------------------------------------------------------ helpers: sources and operators

function notSupported(what: string, position: ReturnType<typeof positionOf>): KustoServiceError {
  return semanticError('SEM0002', `${what} is not supported by the local Kusto server (it implements a subset of KQL).`, position);
}

function stripBraces(body: string): string {
  const trimmed = body.trim();
  return trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed.slice(1, -1) : trimmed;
}

function tableValue(table: TableDefinition): TabularValue {
  return { columns: table.columns.map(({ name, type }) => ({ name, type })), rows: () => table.rows() };
}

function constantExpression(csl: string, database: DatabaseDefinition): Expression {
  const compiled = compileQuery(`print value = ${csl}`, database);
  const result = compiled.results[0];
  const [row] = [...result.rows()];
  return literal(result.columns[0].type, row[0]);
}

function take(input: TabularValue, count: number): TabularValue {
  return {
    columns: input.columns,
    *rows() {
      if (count === 0) {
        return;
      }
      let taken = 0;
      for (const row of input.rows()) {
        yield row;
        if (++taken >= count) {
          return;
        }
      }
    },
  };
}

function countRows(input: TabularValue): TabularValue {
  return {
    columns: [{ name: 'Count', type: 'long' }],
    *rows() {
      let count = 0n;
      for (const _row of input.rows()) {
        count++;
      }
      yield [count];
    },
  };
}

function getSchema(input: TabularValue): TabularValue {
  const dataTypes: Record<ScalarType, string> = {
    bool: 'System.Boolean', int: 'System.Int32', long: 'System.Int64', real: 'System.Double',
    decimal: 'System.Data.SqlTypes.SqlDecimal', string: 'System.String', datetime: 'System.DateTime',
    timespan: 'System.TimeSpan', guid: 'System.Guid', dynamic: 'System.Object',
  };
  return {
    columns: [
      { name: 'ColumnName', type: 'string' },
      { name: 'ColumnOrdinal', type: 'int' },
      { name: 'DataType', type: 'string' },
      { name: 'ColumnType', type: 'string' },
    ],
    rows: () => input.columns.map((c, i) => [c.name, i, dataTypes[c.type], c.type]),
  };
}

interface SortKey {
  readonly expression: Expression;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

function sortRows(input: TabularValue, keys: readonly SortKey[], limit: number | undefined): TabularValue {
  const compareRows = (a: { keys: CellValue[] }, b: { keys: CellValue[] }) => {
    for (let i = 0; i < keys.length; i++) {
      const left = a.keys[i];
      const right = b.keys[i];
      const leftNull = left === null || left === undefined;
      const rightNull = right === null || right === undefined;
      if (leftNull || rightNull) {
        if (leftNull && rightNull) {
          continue;
        }
        return (leftNull ? -1 : 1) * (keys[i].nullsFirst ? 1 : -1);
      }
      const order = compareValues(left, right);
      if (order !== 0) {
        return keys[i].descending ? -order : order;
      }
    }
    return 0;
  };
  return {
    columns: input.columns,
    *rows() {
      const entries: Array<{ keys: CellValue[]; row: Row }> = [];
      for (const row of input.rows()) {
        const entry = { keys: keys.map((k) => k.expression.evaluate(row)), row };
        if (limit === undefined) {
          entries.push(entry);
          continue;
        }
        // `top n`: keep only the best n so a large input never sits in memory.
        if (entries.length < limit) {
          entries.push(entry);
          entries.sort(compareRows);
        } else if (limit > 0 && compareRows(entry, entries[entries.length - 1]) < 0) {
          entries[entries.length - 1] = entry;
          entries.sort(compareRows);
        }
      }
      if (limit === undefined) {
        entries.sort(compareRows);
      }
      for (const entry of entries) {
        yield entry.row;
      }
    },
  };
}

export function emptyVisualization(): Record<string, unknown> {
  return {
    Visualization: null, Title: null, XColumn: null, Series: null, YColumns: null, AnomalyColumns: null,
    XTitle: null, YTitle: null, XAxis: null, YAxis: null, Legend: null, YSplit: null, Accumulate: false,
    IsQuerySorted: false, Kind: null, Ymin: 'NaN', Ymax: 'NaN', Xmin: null, Xmax: null,
  };
}

// ------------------------------------------------------------------ helpers: aggregation

interface Accumulator {
  add(row: Row): void;
  result(): CellValue;
}

function groupKeyPart(value: CellValue): string {
  if (typeof value === 'bigint') {
    return `n${value}`;
  }
  if (value instanceof DecimalValue) {
    return `d${value.text}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function counter(predicate: (row: Row) => boolean): Accumulator {
  let count = 0n;
  return {
    add: (row) => {
      if (predicate(row)) {
        count++;
      }
    },
    result: () => count,
  };
}

function summer(argument: Expression, type: ScalarType): Accumulator {
  let bigSum = 0n;
  let realSum = 0;
  return {
    add: (row) => {
      const value = argument.evaluate(row);
      if (value === null) {
        return;
      }
      if (type === 'real') {
        realSum += toNumber(value);
      } else {
        bigSum += typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value)));
      }
    },
    result: () => (type === 'real' ? realSum : bigSum),
  };
}

function averager(argument: Expression): Accumulator {
  let sum = 0;
  let count = 0;
  return {
    add: (row) => {
      const value = argument.evaluate(row);
      if (value !== null) {
        sum += toNumber(value);
        count++;
      }
    },
    result: () => (count === 0 ? null : sum / count),
  };
}

function extremum(argument: Expression, sign: number): Accumulator {
  let best: CellValue = null;
  return {
    add: (row) => {
      const value = argument.evaluate(row);
      if (value !== null && (best === null || compareValues(value, best) * sign > 0)) {
        best = value;
      }
    },
    result: () => best,
  };
}

function distinctCounter(argument: Expression): Accumulator {
  const seen = new Set<string>();
  return {
    add: (row) => {
      const value = argument.evaluate(row);
      if (value !== null) {
        seen.add(groupKeyPart(value));
      }
    },
    result: () => BigInt(seen.size),
  };
}

function firstValue(argument: Expression): Accumulator {
  let value: CellValue = null;
  let found = false;
  return {
    add: (row) => {
      if (!found) {
        value = argument.evaluate(row);
        found = true;
      }
    },
    result: () => value,
  };
}

function requireNumeric(argument: Expression, name: string, position: ReturnType<typeof positionOf>): void {
  if (!['int', 'long', 'real', 'decimal', 'timespan'].includes(argument.type)) {
    throw semanticError('SEM0025', `'${name}': argument must be numeric, but it is of type ${argument.type}.`, position);
  }
}

// ------------------------------------------------------------------ helpers: scalar semantics

const PARAMETER_TYPES: Readonly<Record<string, ScalarType>> = {
  string: 'string', long: 'long', int64: 'long', int: 'int', int32: 'int', real: 'real', double: 'real',
  bool: 'bool', boolean: 'bool', datetime: 'datetime', date: 'datetime', timespan: 'timespan', time: 'timespan',
  guid: 'guid', uniqueid: 'guid', dynamic: 'dynamic', decimal: 'decimal',
};

/** int(7), real(2.5), bool(true), decimal(1.5), guid(...): the literal forms a request parameter may take. */
function wrappedLiteral(kind: string, text: string): Expression {
  switch (kind) {
    case 'int':
    case 'long':
      if (!/^[+-]?\d+$/.test(text)) throw new Error('not an integer');
      return kind === 'int' ? literal('int', Number(text)) : literal('long', BigInt(text));
    case 'real':
    case 'double': {
      const value = Number(text);
      if (text === '' || Number.isNaN(value)) throw new Error('not a number');
      return literal('real', value);
    }
    case 'bool':
    case 'boolean':
      if (!/^(true|false)$/i.test(text)) throw new Error('not a bool');
      return literal('bool', text.toLowerCase() === 'true');
    case 'decimal':
      if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) throw new Error('not a decimal');
      return literal('decimal', new DecimalValue(text));
    default:
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) throw new Error('not a guid');
      return literal('guid', text.toLowerCase());
  }
}

/** A parameter's value in its declared type (numbers convert between int, long and real). */
function convertParameter(name: string, type: ScalarType, value: Expression, position: ReturnType<typeof positionOf>): Expression {
  if (value.type === type) {
    return value;
  }
  const numeric = ['int', 'long', 'real'];
  if (numeric.includes(type) && numeric.includes(value.type)) {
    const raw = value.evaluate([]);
    if (raw === null) return literal(type, null);
    if (type === 'long') return literal('long', BigInt(Math.trunc(Number(raw))));
    return literal(type, type === 'int' ? Math.trunc(Number(raw)) : Number(raw));
  }
  throw semanticError('SEM0062', `Query parameter '${name}' is declared ${type} but its value is ${value.type}.`, position);
}

function literal(type: ScalarType, value: CellValue): Expression {
  return { type, evaluate: () => value };
}

function typedLiteral(kind: string, raw: string, position: ReturnType<typeof positionOf>): Expression {
  const text = raw.trim();
  try {
    if (kind === 'datetime') {
      if (text === 'null') {
        return literal('datetime', null);
      }
      return literal('datetime', datetimeFromIso(text.replace(' ', 'T')));
    }
    if (kind === 'dynamic') {
      return literal('dynamic', dynamicLiteral(text));
    }
    if (text === 'null') {
      return literal('timespan', null);
    }
    const shorthand = /^(-?\d+(?:\.\d+)?)\s*(d|h|m|s|ms)?$/.exec(text);
    if (shorthand) {
      const unitTicks: Record<string, number> = { d: 864e9, h: 36e9, m: 6e8, s: 1e7, ms: 1e4 };
      return literal('timespan', BigInt(Math.round(Number(shorthand[1]) * unitTicks[shorthand[2] ?? 'd'])));
    }
    return literal('timespan', timespanFromText(text));
  } catch (error) {
    if (error instanceof KustoServiceError) {
      throw error;
    }
    throw syntaxError(`'${kind}(${raw})' is not a valid ${kind} literal.`, position);
  }
}

const NUMERIC: readonly ScalarType[] = ['int', 'long', 'real', 'decimal'];

function toNumber(value: CellValue): number {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'bigint') {
    return Number(value);
  }
  if (value instanceof DecimalValue) {
    return value.toNumber();
  }
  return Number(value);
}

function toBigInt(value: CellValue): bigint {
  if (typeof value === 'bigint') {
    return value;
  }
  return BigInt(Math.trunc(toNumber(value)));
}

/** Orders two non-null values of comparable types. */
export function compareValues(a: CellValue, b: CellValue): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') {
    return Number(a) - Number(b);
  }
  const left = toNumber(a);
  const right = toNumber(b);
  if (Number.isNaN(left) || Number.isNaN(right)) {
    return Number.isNaN(left) ? (Number.isNaN(right) ? 0 : -1) : 1;
  }
  return left < right ? -1 : left > right ? 1 : 0;
}

function comparable(left: ScalarType, right: ScalarType): boolean {
  if (left === right) {
    return true;
  }
  if (NUMERIC.includes(left) && NUMERIC.includes(right)) {
    return true;
  }
  return left === 'dynamic' || right === 'dynamic';
}

function compare(left: Expression, right: Expression, operator: string, position: ReturnType<typeof positionOf>): Expression {
  if (!comparable(left.type, right.type) && !(operator.includes('~') && left.type === 'string')) {
    throw semanticError(
      'SEM0025',
      `Cannot compare values of types ${left.type} and ${right.type}. Try adding explicit casts`,
      position,
    );
  }
  const caseInsensitive = operator === '=~' || operator === '!~';
  return {
    type: 'bool',
    evaluate: (row) => {
      let a = left.evaluate(row);
      let b = right.evaluate(row);
      if (left.type === 'string' && a === null) {
        a = '';
      }
      if (right.type === 'string' && b === null) {
        b = '';
      }
      if (a === null || b === null) {
        return null;
      }
      if (caseInsensitive) {
        const equal = String(a).toLowerCase() === String(b).toLowerCase();
        return operator === '=~' ? equal : !equal;
      }
      if (left.type === 'dynamic' || right.type === 'dynamic') {
        const equal = JSON.stringify(a) === JSON.stringify(b) || String(a) === String(b);
        if (operator === '==' || operator === '!=') {
          return operator === '==' ? equal : !equal;
        }
      }
      const order = compareValues(a, b);
      switch (operator) {
        case '==':
          return order === 0;
        case '!=':
          return order !== 0;
        case '<':
          return order < 0;
        case '<=':
          return order <= 0;
        case '>':
          return order > 0;
        default:
          return order >= 0;
      }
    },
  };
}

function logical(left: Expression, right: Expression, operator: 'and' | 'or', position: ReturnType<typeof positionOf>): Expression {
  if (left.type !== 'bool' || right.type !== 'bool') {
    throw semanticError('SEM0025', `The operands of '${operator}' must be of type bool.`, position);
  }
  return {
    type: 'bool',
    evaluate: (row) => {
      const a = left.evaluate(row);
      if (operator === 'and') {
        if (a === false) {
          return false;
        }
        const b = right.evaluate(row);
        return b === false ? false : a === null || b === null ? null : true;
      }
      if (a === true) {
        return true;
      }
      const b = right.evaluate(row);
      return b === true ? true : a === null || b === null ? null : false;
    },
  };
}

function termsOf(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter(Boolean);
}

function stringPredicate(
  left: Expression,
  right: Expression,
  operator: string,
  negated: boolean,
  position: ReturnType<typeof positionOf>,
): Expression {
  if (right.type !== 'string') {
    throw semanticError('SEM0025', `'${operator}': the right-hand side must be a string, but it is of type ${right.type}.`, position);
  }
  const caseSensitive = operator.endsWith('_cs');
  const base = caseSensitive ? operator.slice(0, -3) : operator;
  const normalize = (s: string) => (caseSensitive ? s : s.toLowerCase());
  const test = (haystack: string, needle: string): boolean => {
    switch (base) {
      case 'has': {
        const needleTerms = termsOf(needle);
        if (needleTerms.length !== 1) {
          return normalize(haystack).includes(normalize(needle));
        }
        return (caseSensitive ? haystack.split(/[^\p{L}\p{N}_]+/u) : termsOf(haystack)).includes(
          caseSensitive ? needle : needleTerms[0],
        );
      }
      case 'contains':
        return normalize(haystack).includes(normalize(needle));
      case 'startswith':
        return normalize(haystack).startsWith(normalize(needle));
      default:
        return normalize(haystack).endsWith(normalize(needle));
    }
  };
  return {
    type: 'bool',
    evaluate: (row) => {
      const value = left.evaluate(row);
      const needle = right.evaluate(row);
      const haystack = value === null ? '' : typeof value === 'object' && !(value instanceof DecimalValue) ? JSON.stringify(value) : displayText(value, left.type);
      const result = test(haystack, String(needle ?? ''));
      return negated ? !result : result;
    },
  };
}

function inList(left: Expression, list: readonly Expression[], negated: boolean): Expression {
  return {
    type: 'bool',
    evaluate: (row) => {
      const value = left.evaluate(row);
      if (value === null) {
        return negated;
      }
      const found = list.some((item) => {
        const candidate = item.evaluate(row);
        return candidate !== null && compareValues(value, candidate) === 0;
      });
      return negated ? !found : found;
    },
  };
}

function arithmetic(left: Expression, right: Expression, operator: string, position: ReturnType<typeof positionOf>): Expression {
  const l = left.type;
  const r = right.type;
  const fail = (): never => {
    throw semanticError('SEM0025', `Operator '${operator}' cannot be applied to operands of types ${l} and ${r}.`, position);
  };
  const nullSafe = (type: ScalarType, op: (a: CellValue, b: CellValue) => CellValue): Expression => ({
    type,
    evaluate: (row) => {
      const a = left.evaluate(row);
      const b = right.evaluate(row);
      return a === null || b === null ? null : op(a, b);
    },
  });
  if (l === 'datetime' || r === 'datetime') {
    if (l === 'datetime' && r === 'datetime' && operator === '-') {
      return nullSafe('timespan', (a, b) => (a as bigint) - (b as bigint));
    }
    if (l === 'datetime' && r === 'timespan' && (operator === '+' || operator === '-')) {
      return nullSafe('datetime', (a, b) => (operator === '+' ? (a as bigint) + (b as bigint) : (a as bigint) - (b as bigint)));
    }
    if (l === 'timespan' && r === 'datetime' && operator === '+') {
      return nullSafe('datetime', (a, b) => (a as bigint) + (b as bigint));
    }
    return fail();
  }
  if (l === 'timespan' || r === 'timespan') {
    if (l === 'timespan' && r === 'timespan') {
      if (operator === '+' || operator === '-') {
        return nullSafe('timespan', (a, b) => (operator === '+' ? (a as bigint) + (b as bigint) : (a as bigint) - (b as bigint)));
      }
      if (operator === '/') {
        return nullSafe('real', (a, b) => Number(a) / Number(b));
      }
    }
    if (l === 'timespan' && NUMERIC.includes(r) && (operator === '*' || operator === '/')) {
      return nullSafe('timespan', (a, b) =>
        BigInt(Math.round(operator === '*' ? Number(a) * toNumber(b) : Number(a) / toNumber(b))),
      );
    }
    return fail();
  }
  if (operator === '+' && l === 'string' && r === 'string') {
    return fail(); // Kusto has no string '+': strcat() is the way.
  }
  if (!NUMERIC.includes(l) || !NUMERIC.includes(r)) {
    return fail();
  }
  if (l === 'real' || r === 'real' || l === 'decimal' || r === 'decimal') {
    return nullSafe('real', (a, b) => {
      const x = toNumber(a);
      const y = toNumber(b);
      switch (operator) {
        case '+':
          return x + y;
        case '-':
          return x - y;
        case '*':
          return x * y;
        case '/':
          return x / y;
        default:
          return x % y;
      }
    });
  }
  const resultType: ScalarType = l === 'long' || r === 'long' ? 'long' : 'int';
  return nullSafe(resultType, (a, b) => {
    const x = toBigInt(a);
    const y = toBigInt(b);
    if ((operator === '/' || operator === '%') && y === 0n) {
      return null;
    }
    let result: bigint;
    switch (operator) {
      case '+':
        result = x + y;
        break;
      case '-':
        result = x - y;
        break;
      case '*':
        result = x * y;
        break;
      case '/':
        result = x / y;
        break;
      default:
        result = x % y;
    }
    return resultType === 'int' ? Number(BigInt.asIntN(32, result)) : BigInt.asIntN(64, result);
  });
}

function dynamicMember(base: Expression, member: string): Expression {
  return {
    type: 'dynamic',
    suggestedName: `${base.suggestedName ?? 'Column'}_${member}`,
    evaluate: (row) => {
      const container = base.evaluate(row);
      if (container === null || typeof container !== 'object') {
        return null;
      }
      const value = (container as Record<string, unknown>)[member];
      return value === undefined ? null : (value as CellValue);
    },
  };
}

function displayText(value: CellValue, type: ScalarType): string {
  if (value === null) {
    return '';
  }
  switch (type) {
    case 'datetime':
      return formatDatetime(value as bigint);
    case 'timespan':
      return formatTimespan(value as bigint);
    case 'decimal':
      return value instanceof DecimalValue ? value.text : String(value);
    case 'dynamic':
      return typeof value === 'string' ? value : JSON.stringify(value);
    default:
      return String(value);
  }
}

function convertScalar(value: CellValue, from: ScalarType, to: ScalarType): CellValue {
  if (value === null || from === to) {
    return value;
  }
  switch (to) {
    case 'string':
      return displayText(value, from);
    case 'long':
      return toBigInt(value);
    case 'int':
      return Math.trunc(toNumber(value));
    case 'real':
      return toNumber(value);
    default:
      return value;
  }
}

function scalarFunction(name: string, args: readonly Expression[], position: ReturnType<typeof positionOf>): Expression {
  const arity = (min: number, max = min) => {
    if (args.length < min || args.length > max) {
      throw semanticError('SEM0219', `Function '${name}': expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}.`, position);
    }
  };
  const unaryOf = (type: ScalarType, apply: (value: CellValue) => CellValue, suggestedName?: string): Expression => ({
    type,
    suggestedName,
    evaluate: (row) => {
      const value = args[0].evaluate(row);
      return apply(value);
    },
  });
  switch (name) {
    case 'tostring':
      arity(1);
      return unaryOf('string', (v) => displayText(v, args[0].type));
    case 'toupper':
    case 'tolower':
      arity(1);
      return unaryOf('string', (v) => {
        const text = displayText(v, args[0].type);
        return name === 'toupper' ? text.toUpperCase() : text.toLowerCase();
      });
    case 'strlen':
      arity(1);
      return unaryOf('long', (v) => BigInt([...displayText(v, args[0].type)].length));
    case 'toint':
      arity(1);
      return unaryOf('int', (v) => (v === null ? null : Number.isFinite(toNumber(v)) ? Math.trunc(toNumber(v)) : null));
    case 'tolong':
      arity(1);
      return unaryOf('long', (v) => (v === null || !Number.isFinite(toNumber(v)) ? null : toBigInt(v)));
    case 'todouble':
    case 'toreal':
      arity(1);
      return unaryOf('real', (v) => (v === null ? null : toNumber(v)));
    case 'isnull':
      arity(1);
      return unaryOf('bool', (v) => v === null);
    case 'isnotnull':
      arity(1);
      return unaryOf('bool', (v) => v !== null);
    case 'isempty':
      arity(1);
      return unaryOf('bool', (v) => v === null || v === '');
    case 'isnotempty':
      arity(1);
      return unaryOf('bool', (v) => v !== null && v !== '');
    case 'not':
      arity(1);
      return unaryOf('bool', (v) => (v === null ? null : !v));
    case 'strcat':
      return {
        type: 'string',
        evaluate: (row) => args.map((a) => displayText(a.evaluate(row), a.type)).join(''),
      };
    case 'iff':
    case 'iif': {
      arity(3);
      const [condition, whenTrue, whenFalse] = args;
      return {
        type: whenTrue.type,
        evaluate: (row) => (condition.evaluate(row) === true ? whenTrue.evaluate(row) : convertScalar(whenFalse.evaluate(row), whenFalse.type, whenTrue.type)),
      };
    }
    case 'now':
      arity(0);
      return literal('datetime', datetimeFromUnixMs(Date.now()));
    case 'ago': {
      arity(1);
      if (args[0].type !== 'timespan') {
        throw semanticError('SEM0025', "Function 'ago' expects a timespan argument.", position);
      }
      const now = datetimeFromUnixMs(Date.now());
      return unaryOf('datetime', (v) => (v === null ? null : now - (v as bigint)));
    }
    case 'bin':
    case 'floor': {
      arity(2);
      const [value, size] = args;
      return {
        type: value.type,
        suggestedName: value.suggestedName,
        evaluate: (row) => {
          const v = value.evaluate(row);
          const s = size.evaluate(row);
          if (v === null || s === null) {
            return null;
          }
          if (typeof v === 'bigint') {
            const step = toBigInt(s);
            if (step <= 0n) {
              return null;
            }
            const quotient = v / step;
            return (v < 0n && v % step !== 0n ? quotient - 1n : quotient) * step;
          }
          const step = toNumber(s);
          const result = Math.floor(toNumber(v) / step) * step;
          return value.type === 'int' ? Math.trunc(result) : result;
        },
      };
    }
    case 'round': {
      arity(1, 2);
      return {
        type: 'real',
        evaluate: (row) => {
          const v = args[0].evaluate(row);
          const digits = args[1] ? toNumber(args[1].evaluate(row)) : 0;
          if (v === null) {
            return null;
          }
          const factor = 10 ** digits;
          return Math.round(toNumber(v) * factor) / factor;
        },
      };
    }
    case 'abs':
      arity(1);
      return unaryOf(args[0].type, (v) => (v === null ? null : typeof v === 'bigint' ? (v < 0n ? -v : v) : Math.abs(toNumber(v))));
    case 'startofday':
      arity(1);
      return unaryOf('datetime', (v) => (v === null ? null : (v as bigint) - ((v as bigint) % 864_000_000_000n)));
    case 'format_datetime':
    case 'datetime_part':
    case 'extract':
    case 'split':
    case 'parse_json':
    case 'todynamic':
      if (name === 'parse_json' || name === 'todynamic') {
        arity(1);
        return unaryOf('dynamic', (v) => {
          if (v === null) {
            return null;
          }
          try {
            return JSON.parse(String(v)) as CellValue;
          } catch {
            return String(v);
          }
        });
      }
      throw semanticError('SEM0002', `Function '${name}' is not supported by the local Kusto server.`, position);
    default:
      throw semanticError('SEM0219', `Unknown function: '${name}'.`, position);
  }
}
