// Semantic colouring from Kusto.Language's classifications: which names are tables, views, columns, functions,
// variables and parameters, encoded the way VS Code reads them, from the engine in process and from the real worker.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { LanguageClient } from '../../src/core/language/languageClient';
import type { LanguageEngine } from '../../src/core/language/languageEngine';
import type { DatabaseKey } from '../../src/core/language/languageProtocol';
import { encodeSemanticTokens, LineIndex, SEMANTIC_TOKEN_TYPES, semanticTokenType } from '../../src/core/language/semanticTokens';
import { kustoLanguagePackageDirectory } from '../support/kustoLanguagePackage';
import { doc, KEY, newEngine, SCHEMA } from '../support/languageSchemas';

/** VS Code's decoding: [text of the token, type] in document order. */
function decode(text: string, data: Uint32Array): [string, string][] {
  const lines = text.split(/\r\n|\r|\n/);
  const tokens: [string, string][] = [];
  let line = 0;
  let character = 0;
  for (let index = 0; index < data.length; index += 5) {
    line += data[index];
    character = data[index] === 0 ? character + data[index + 1] : data[index + 1];
    tokens.push([lines[line].slice(character, character + data[index + 2]), SEMANTIC_TOKEN_TYPES[data[index + 3]]]);
    assert.equal(data[index + 4], 0, 'no modifiers');
  }
  return tokens;
}

const QUERY = [
  'let threshold = 10;',
  'let twice = (x:long) { x * 2 };',
  'StormEvents',
  '| where State == "TEXAS" and DamageProperty > threshold',
  '| extend d = twice(DamageProperty), s = strcat("a", State)',
  '| join (DailyStorms) on $left.StartTime == $right.Day',
  '| project-away Bogus // a comment',
].join('\n');

describe('language service: semantic tokens', function () {
  this.timeout(120_000);

  describe('mapping and encoding', () => {
    it('gives names a type and leaves keywords, operators, literals and comments to the grammar', () => {
      assert.equal(semanticTokenType(8), 'class'); // Table
      assert.equal(semanticTokenType(21), 'interface'); // MaterializedView
      assert.equal(semanticTokenType(7), 'property'); // Column
      assert.equal(semanticTokenType(10), 'function');
      assert.equal(semanticTokenType(12), 'variable');
      assert.equal(semanticTokenType(11), 'parameter');
      assert.equal(semanticTokenType(9), 'namespace'); // Database
      for (const grammarKind of [0, 1, 2, 3, 4, 5, 13, 16, 17, 18, 19, 20]) {
        assert.equal(semanticTokenType(grammarKind), undefined, `kind ${grammarKind} stays with the grammar`);
      }
    });

    it('encodes tokens relative to the one before, across lines and CRLF, in document order', () => {
      const text = 'T\r\n| where a == b\r\n\r\n  c';
      const at = (word: string, kind: number, from = 0) => ({ start: text.indexOf(word, from), length: word.length, kind });
      // Out of order on purpose, with a grammar-only kind (Keyword) that is dropped.
      const data = encodeSemanticTokens(new LineIndex(text), [at('b', 7), at('T', 8), at('where', 20), at('a', 7), at('c', 12)]);
      assert.deepEqual([...data], [0, 0, 1, 0, 0, 1, 8, 1, 2, 0, 0, 5, 1, 2, 0, 2, 2, 1, 4, 0]);
      assert.deepEqual(decode(text, data), [
        ['T', 'class'],
        ['a', 'property'],
        ['b', 'property'],
        ['c', 'variable'],
      ]);
    });

    it('cuts a token that spans a line break into one per line and drops overlaps and empty spans', () => {
      const text = "['a\nb'] x";
      const data = encodeSemanticTokens(new LineIndex(text), [
        { start: 0, length: 7, kind: 8 },
        { start: 2, length: 1, kind: 7 },
        { start: 8, length: 0, kind: 7 },
        { start: 8, length: 1, kind: 12 },
      ]);
      assert.deepEqual(decode(text, data), [
        ["['a", 'class'],
        ["b']", 'class'],
        ['x', 'variable'],
      ]);
    });
  });

  describe('from Kusto.Language', () => {
    let engine: LanguageEngine;
    before(() => {
      engine = newEngine();
      engine.setSchema(KEY, SCHEMA);
    });

    it('colours tables, views, columns, functions, let names and parameters, not keywords or unknown names', async () => {
      const tokens = decode(QUERY, (await engine.semanticTokens(doc(QUERY))).data);
      const typeOf = (name: string) => tokens.filter(([text]) => text === name).map(([, type]) => type);
      assert.deepEqual(typeOf('StormEvents'), ['class']);
      assert.deepEqual(typeOf('DailyStorms'), ['interface']);
      assert.deepEqual(typeOf('State'), ['property', 'property']);
      assert.deepEqual(typeOf('Day'), ['property']);
      assert.deepEqual(typeOf('strcat'), ['function']);
      assert.deepEqual(typeOf('twice'), ['function', 'function'], 'a let function where it is declared and called');
      assert.deepEqual(typeOf('threshold'), ['variable', 'variable']);
      assert.deepEqual(typeOf('x'), ['parameter', 'parameter']);
      assert.deepEqual(typeOf('long'), ['type']);
      for (const left of ['where', 'extend', 'join', 'let', 'and', '==', '"TEXAS"', 'Bogus', '// a comment', '10']) {
        assert.deepEqual(typeOf(left), [], `${left} is left to the grammar`);
      }
    });

    it('gives only the tokens of a range, with positions in the whole document, block by block', async () => {
      const text = `StormEvents | take 1\n\n${QUERY}`;
      const start = text.indexOf('| extend');
      const end = text.indexOf('| join');
      const tokens = decode(text, (await engine.semanticTokens(doc(text), start, end)).data);
      assert.deepEqual(tokens, [
        ['d', 'property'],
        ['twice', 'function'],
        ['DamageProperty', 'property'],
        ['s', 'property'],
        ['strcat', 'function'],
        ['State', 'property'],
      ]);
    });

    it('colours tables once their database schema is there, and follows the connection', async () => {
      const elsewhere: DatabaseKey = { clusterUrl: KEY.clusterUrl, database: 'NotLoadedYet' };
      const text = 'StormEvents | where State == "x"';
      const before = decode(text, (await engine.semanticTokens(doc(text, elsewhere))).data);
      assert.ok(!before.some(([name]) => name === 'StormEvents'), 'a table name is not coloured as a table before its database is known');
      engine.setSchema(elsewhere, SCHEMA);
      assert.deepEqual(decode(text, (await engine.semanticTokens(doc(text, elsewhere))).data), [
        ['StormEvents', 'class'],
        ['State', 'property'],
      ]);
    });
  });

  describe('bad input stays harmless', () => {
    let engine: LanguageEngine;
    before(() => {
      engine = newEngine();
      engine.setSchema(KEY, SCHEMA);
    });

    it('a 5 MB document: the visible part is coloured at once, the whole stops at the checking limit', async () => {
      const query = 'StormEvents | where State == "TEXAS" | take 10\n\n';
      const text = query.repeat(Math.ceil((5 * 1024 * 1024) / query.length));
      const ref = doc(text);
      const middle = Math.floor(text.length / 2 / query.length) * query.length;
      const visible = decode(text, (await engine.semanticTokens(ref, middle, middle + 3 * query.length)).data);
      assert.deepEqual(visible.filter(([name]) => name === 'StormEvents').length, 3, 'three queries on screen, three tables');
      // As diagnostics: the first 500 queries (StormEvents and State in each), not 100,000 of them.
      const whole = decode(text, (await engine.semanticTokens(ref)).data);
      assert.equal(whole.length, 500 * 2);
      assert.deepEqual(whole.slice(-2), [
        ['StormEvents', 'class'],
        ['State', 'property'],
      ]);
    });

    it('a 10,000-character line, an unterminated string, CRLF and binary garbage', async () => {
      const long = `StormEvents | where State in (${Array.from({ length: 1500 }, (_, i) => `"S${i}"`).join(', ')}) | where State != ""`;
      const longTokens = decode(long, (await engine.semanticTokens(doc(long))).data);
      assert.deepEqual(longTokens.map(([, type]) => type), ['class', 'property', 'property']);
      const unterminated = 'StormEvents | where State == "TEXAS | take 10\r\n| project State';
      assert.deepEqual(decode(unterminated, (await engine.semanticTokens(doc(unterminated))).data)[0], ['StormEvents', 'class']);
      let garbage = '';
      let seed = 11;
      for (let i = 0; i < 20_000; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        garbage += String.fromCharCode(seed % 0xd800);
      }
      const data = (await engine.semanticTokens(doc(garbage))).data;
      assert.equal(data.length % 5, 0);
    });
  });

  it('are answered by the real worker as VS Code reads them', async () => {
    const client = new LanguageClient({
      workerPath: path.resolve(__dirname, '../../src/core/language/languageWorker.js'),
      vendorDirectory: kustoLanguagePackageDirectory(),
    });
    try {
      await client.setSchema(KEY, SCHEMA);
      const result = await client.request('semanticTokens', { uri: 'file:///t.kql', version: 1, getText: () => QUERY, connection: KEY }, {});
      assert.ok(result?.data instanceof Uint32Array, 'the tokens travel as a Uint32Array');
      const tokens = decode(QUERY, result.data);
      assert.deepEqual(tokens.slice(0, 6), [
        ['threshold', 'variable'],
        ['twice', 'function'],
        ['x', 'parameter'],
        ['long', 'type'],
        ['x', 'parameter'],
        ['StormEvents', 'class'],
      ]);
    } finally {
      client.dispose();
    }
  });
});
