import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

// The grammar is data read by VS Code's TextMate engine (Oniguruma regexes). These tests check that it loads,
// that its regexes compile (the grammar keeps to the syntax JS and Oniguruma share) and, with a small
// TextMate-style tokenizer below, that real queries get the scopes a theme colours.

const repoRoot = path.resolve(__dirname, '../../..');
const readJson = (relative: string): any => JSON.parse(fs.readFileSync(path.join(repoRoot, relative), 'utf8'));

interface Captures {
  readonly [group: string]: { readonly name?: string };
}
interface Rule {
  readonly include?: string;
  readonly name?: string;
  readonly contentName?: string;
  readonly match?: string;
  readonly begin?: string;
  readonly end?: string;
  readonly captures?: Captures;
  readonly beginCaptures?: Captures;
  readonly endCaptures?: Captures;
  readonly patterns?: readonly Rule[];
}
interface Grammar {
  readonly scopeName: string;
  readonly patterns: readonly Rule[];
  readonly repository: Readonly<Record<string, { readonly patterns: readonly Rule[] }>>;
}

const grammar = readJson('syntaxes/kql.tmLanguage.json') as Grammar;

function expand(rules: readonly Rule[]): Rule[] {
  return rules.flatMap((rule) => {
    if (!rule.include) {
      return [rule];
    }
    const entry = grammar.repository[rule.include.replace(/^#/, '')];
    if (!entry) {
      throw new Error(`include ${rule.include} has no repository entry`);
    }
    return expand(entry.patterns);
  });
}

function allRules(rules: readonly Rule[]): Rule[] {
  return rules.flatMap((rule) => [rule, ...allRules(rule.patterns ?? [])]);
}

/** scopes[line][character] = the scope names on that character, outermost first. */
function tokenize(text: string): string[][][] {
  const topLevel = expand(grammar.patterns);
  const scopes: string[][][] = [];
  let open: Rule | undefined;
  for (const line of text.split('\n')) {
    const lineScopes: string[][] = Array.from({ length: line.length }, () => []);
    scopes.push(lineScopes);
    const mark = (from: number, to: number, ...names: Array<string | undefined>) => {
      for (let index = from; index < to; index++) {
        lineScopes[index].push(...names.filter((name): name is string => !!name));
      }
    };
    const markCaptures = (match: RegExpExecArray, captures: Captures | undefined) => {
      for (const [group, capture] of Object.entries(captures ?? {})) {
        const span = match.indices?.[Number(group)];
        if (span) {
          mark(span[0], span[1], capture.name);
        }
      }
    };
    const earliest = (rules: readonly Rule[], from: number) => {
      let best: { rule: Rule; match: RegExpExecArray } | undefined;
      for (const rule of rules) {
        const regex = new RegExp((rule.match ?? rule.begin)!, 'dg');
        regex.lastIndex = from;
        const match = regex.exec(line);
        if (match && (!best || match.index < best.match.index)) {
          best = { rule, match };
        }
      }
      return best;
    };
    let position = 0;
    while (position <= line.length) {
      if (open) {
        const endRegex = new RegExp(open.end!, 'dg');
        endRegex.lastIndex = position;
        const end = endRegex.exec(line);
        const inner = earliest(expand(open.patterns ?? []), position);
        if (inner && (!end || inner.match.index < end.index)) {
          mark(position, inner.match.index + inner.match[0].length, open.name, open.contentName);
          mark(inner.match.index, inner.match.index + inner.match[0].length, inner.rule.name);
          position = inner.match.index + Math.max(inner.match[0].length, 1);
          continue;
        }
        if (!end) {
          mark(position, line.length, open.name, open.contentName);
          break;
        }
        mark(position, end.index, open.name, open.contentName);
        mark(end.index, end.index + end[0].length, open.name);
        markCaptures(end, open.endCaptures);
        position = end.index + Math.max(end[0].length, 1);
        open = undefined;
        continue;
      }
      const found = earliest(topLevel, position);
      if (!found) {
        break;
      }
      const { rule, match } = found;
      mark(match.index, match.index + match[0].length, rule.name);
      markCaptures(match, rule.match ? rule.captures : rule.beginCaptures);
      position = match.index + Math.max(match[0].length, 1);
      if (rule.begin) {
        open = rule;
      }
    }
  }
  return scopes;
}

/** Scopes of the first character of the `occurrence`-th appearance of `fragment` in a one-line query. */
function scopesOf(query: string, fragment: string, occurrence = 1): string[] {
  const lines = query.split('\n');
  const tokens = tokenize(query);
  let seen = 0;
  for (let line = 0; line < lines.length; line++) {
    for (let index = lines[line].indexOf(fragment); index >= 0; index = lines[line].indexOf(fragment, index + 1)) {
      if (++seen === occurrence) {
        return tokens[line][index];
      }
    }
  }
  throw new Error(`"${fragment}" not found in ${query}`);
}

const hasScope = (scopes: string[], prefix: string) => scopes.some((scope) => scope.startsWith(prefix));

describe('KQL grammar', () => {
  it('is the source.kql grammar the manifest contributes, with its language configuration', () => {
    const manifest = readJson('package.json');
    const contribution = manifest.contributes.grammars.find((entry: any) => entry.language === 'kql');
    assert.strictEqual(contribution.scopeName, 'source.kql');
    assert.strictEqual(grammar.scopeName, 'source.kql');
    assert.ok(fs.existsSync(path.join(repoRoot, contribution.path)));
    const language = manifest.contributes.languages.find((entry: any) => entry.id === 'kql');
    assert.ok(fs.existsSync(path.join(repoRoot, language.configuration)));
  });

  it('has only regexes that compile and includes that resolve', () => {
    const rules = allRules([...grammar.patterns, ...Object.values(grammar.repository).flatMap((entry) => entry.patterns)]);
    assert.ok(rules.length > 20);
    for (const rule of rules) {
      if (rule.include) {
        assert.ok(grammar.repository[rule.include.replace(/^#/, '')], `unresolved include ${rule.include}`);
      }
      for (const source of [rule.match, rule.begin, rule.end]) {
        if (source !== undefined) {
          assert.doesNotThrow(() => new RegExp(source), `regex does not compile: ${source}`);
        }
      }
      assert.ok(!(rule.begin && !rule.end), `begin without end: ${rule.begin}`);
    }
  });

  it('colours tabular operators, comparison and word operators, strings and comments', () => {
    const query = 'StormEvents | where State == "TEXAS" and EventType has_cs \'Flood\' | project-away Id // note';
    assert.ok(hasScope(scopesOf(query, 'where'), 'keyword.other.operator'));
    assert.ok(hasScope(scopesOf(query, 'project-away'), 'keyword.other.operator'));
    assert.ok(hasScope(scopesOf(query, '=='), 'keyword.operator.comparison'));
    assert.ok(hasScope(scopesOf(query, 'and'), 'keyword.operator.logical'));
    assert.ok(hasScope(scopesOf(query, 'has_cs'), 'keyword.operator.word'));
    assert.ok(hasScope(scopesOf(query, 'TEXAS'), 'string.quoted.double'));
    assert.ok(hasScope(scopesOf(query, 'Flood'), 'string.quoted.single'));
    assert.ok(hasScope(scopesOf(query, 'note'), 'comment.line.double-slash'));
    assert.deepStrictEqual(scopesOf(query, 'StormEvents'), []);
    assert.deepStrictEqual(scopesOf(query, 'State'), []);
  });

  it('colours negated and case-insensitive operators but not names that contain operator words', () => {
    const query = 'T | where Name !contains "x" and Tag in~ ("a") and Id !in (1) | where hasData == true';
    assert.ok(hasScope(scopesOf(query, '!contains'), 'keyword.operator.word'));
    assert.ok(hasScope(scopesOf(query, 'in~'), 'keyword.operator.word'));
    assert.ok(hasScope(scopesOf(query, '!in'), 'keyword.operator.word'));
    assert.deepStrictEqual(scopesOf(query, 'hasData'), []);
    assert.ok(hasScope(scopesOf(query, 'true'), 'constant.language.boolean'));
  });

  it('colours built-in functions, numbers, timespans and datetime literals', () => {
    const query = 'T | where Start > ago(1d) and Start < datetime(2007-01-01 12:00) | summarize count() by bin(Start, 100ms) | take 10';
    assert.ok(hasScope(scopesOf(query, 'ago'), 'support.function'));
    assert.ok(hasScope(scopesOf(query, '1d'), 'constant.numeric.timespan'));
    assert.ok(hasScope(scopesOf(query, '100ms'), 'constant.numeric.timespan'));
    assert.ok(hasScope(scopesOf(query, '2007'), 'constant.other.datetime'));
    assert.ok(hasScope(scopesOf(query, 'datetime'), 'storage.type'));
    assert.ok(hasScope(scopesOf(query, 'count'), 'support.function'));
    assert.ok(hasScope(scopesOf(query, 'bin'), 'support.function'));
    assert.deepStrictEqual(scopesOf('T | take 10', '10'), ['constant.numeric.kql']);
    assert.deepStrictEqual(scopesOf('print 1.5e3, 0x1F', '1.5e3'), ['constant.numeric.kql']);
    assert.deepStrictEqual(scopesOf('print 1.5e3, 0x1F', '0x1F'), ['constant.numeric.hex.kql']);
    assert.ok(hasScope(scopesOf(query, 'summarize'), 'keyword.other.operator'));
  });

  it('colours verbatim and multi-line strings, let statements and management commands', () => {
    assert.ok(hasScope(scopesOf('print @"C:\\temp\\" ', 'temp'), 'string.quoted.double.verbatim'));
    const multiLine = 'let text = ```first\nwhere inside\nlast```;\nprint text';
    assert.ok(hasScope(scopesOf(multiLine, 'where'), 'string.quoted.multi'));
    assert.deepStrictEqual(scopesOf(multiLine, 'text', 2), []);
    assert.ok(hasScope(scopesOf(multiLine, 'text'), 'variable.other.declaration'));
    assert.ok(hasScope(scopesOf(multiLine, 'let'), 'storage.type.let'));
    const command = '.show tables\n| where TableName startswith "S"';
    assert.ok(hasScope(scopesOf(command, '.show'), 'keyword.control.management'));
    assert.ok(hasScope(scopesOf(command, 'startswith'), 'keyword.operator.word'));
    assert.ok(hasScope(scopesOf('.create-or-alter function F() { 1 }', '.create-or-alter'), 'keyword.control.management'));
    assert.deepStrictEqual(scopesOf('T | project a.b', '.b'), []);
  });
});

describe('KQL language configuration', () => {
  const configuration = readJson('language-configuration.json');

  it('toggles // line comments and pairs brackets and quotes', () => {
    assert.strictEqual(configuration.comments.lineComment, '//');
    assert.deepStrictEqual(configuration.brackets, [['{', '}'], ['[', ']'], ['(', ')']]);
    const opens = configuration.autoClosingPairs.map((pair: { open: string }) => pair.open);
    for (const open of ['(', '[', '{', '"', "'"]) {
      assert.ok(opens.includes(open), `auto-closes ${open}`);
    }
    assert.ok(configuration.surroundingPairs.some((pair: string[]) => pair[0] === '"'));
  });

  it('has a word pattern that selects identifiers and numbers, not operators', () => {
    const wordPattern = new RegExp(configuration.wordPattern, 'g');
    assert.deepStrictEqual('StormEvents | where State_1 == 2.5'.match(wordPattern), ['StormEvents', 'where', 'State_1', '2.5']);
    for (const rule of configuration.onEnterRules ?? []) {
      assert.doesNotThrow(() => new RegExp(rule.beforeText));
    }
  });
});
