// The language worker's engine in process: what a user sees in the editor for each feature, per block, per
// connection, while schemas load, and on input that must not hurt (huge files, long lines, garbage).
import * as assert from 'node:assert/strict';
import type { LanguageEngine } from '../../src/core/language/languageEngine';
import type { DatabaseKey } from '../../src/core/language/languageProtocol';
import { doc, KEY, newEngine, SCHEMA, wideSchema } from '../support/languageSchemas';

const OTHER: DatabaseKey = { clusterUrl: KEY.clusterUrl, database: 'Logs' };
const LOGS = { ...wideSchema('Logs', 3, 4), tables: [{ kind: 'table' as const, name: 'Traces', folder: '', columns: [{ name: 'Message', type: 'string' }, { name: 'Level', type: 'int' }] }] };

describe('language service: engine', function () {
  this.timeout(60_000);
  let engine: LanguageEngine;

  before(() => {
    engine = newEngine();
    engine.setSchema(KEY, SCHEMA);
  });

  const errorCodes = async (text: string, connection: DatabaseKey | null = KEY) =>
    (await engine.diagnostics(doc(text, connection))).diagnostics.map((d) => d.code);

  it("offers the table's columns first after `StormEvents | where `, replacing the word typed so far", () => {
    const text = 'StormEvents | where ';
    const result = engine.complete(doc(text), text.length);
    assert.deepEqual(result.items.slice(0, 3).map((item) => item.label), ['DamageProperty', 'StartTime', 'State']);
    assert.ok(result.items.some((item) => item.label.startsWith('ago(')), 'scalar functions follow');
    const typed = 'StormEvents | where Sta';
    const partial = engine.complete(doc(typed), typed.length);
    assert.equal(partial.editStart, typed.length - 3);
    assert.equal(partial.editEnd, typed.length);
  });

  it('offers query operators after `| ` and asks to reopen the list after one is chosen', () => {
    const text = 'StormEvents\n| ';
    const items = engine.complete(doc(text), text.length).items;
    const where = items.find((item) => item.label === 'where');
    assert.ok(where, 'where is offered');
    assert.equal(where.kind, 'operator');
    assert.equal(where.retrigger, true);
    assert.ok(items.some((item) => item.label === 'summarize'));
  });

  it('offers let names, render chart kinds and their properties', () => {
    const lets = 'let threshold = 10;\nStormEvents | where DamageProperty > ';
    assert.ok(engine.complete(doc(lets), lets.length).items.some((item) => item.label === 'threshold' && item.kind === 'variable'));
    const render = 'StormEvents | summarize count() by bin(StartTime, 1d) | render ';
    const charts = engine.complete(doc(render), render.length).items;
    assert.ok(charts.some((item) => item.label === 'timechart' && item.kind === 'renderChart'));
    const properties = 'StormEvents | render timechart with (';
    assert.ok(engine.complete(doc(properties), properties.length).items.some((item) => item.label === 'title'));
  });

  it('completes each block in its own scope, and a blank line between blocks as a new query', () => {
    const text = 'let a = StormEvents;\na | take 1\n\nStormEvents | project \n\n';
    const second = engine.complete(doc(text), text.indexOf('project ') + 8).items.map((item) => item.label);
    assert.ok(second.includes('State'));
    assert.ok(!second.includes('a'), 'a let of the first block is not in scope in the second');
    const between = engine.complete(doc(text), text.length - 1).items.map((item) => item.label);
    assert.ok(between.includes('StormEvents'), 'tables where a new query starts');
  });

  it('underlines a misspelled column at its exact range with its code, in every block', async () => {
    const text = 'StormEvents | take 1\n\nStormEvents | where Stat == "TEXAS"';
    const result = await engine.diagnostics(doc(text));
    assert.equal(result.diagnostics.length, 1);
    const [diagnostic] = result.diagnostics;
    assert.equal(diagnostic.code, 'KS142');
    assert.equal(diagnostic.severity, 'error');
    assert.equal(text.slice(diagnostic.start, diagnostic.end), 'Stat');
    assert.match(diagnostic.message, /Stat/);
  });

  it("reports syntax errors, wrong types and the service's analyzer warnings", async () => {
    assert.deepEqual(await errorCodes('StormEvents | where DamageProperty > "x"'), ['KS106']);
    assert.deepEqual(await errorCodes('StormEvents | where isnull(State)'), ['KS501']);
    assert.deepEqual(await errorCodes('StormEvents | join (StormEvents) on State'), ['KS508']);
    assert.ok((await errorCodes('StormEvents | where (State == "x"')).length > 0, 'an unclosed parenthesis');
  });

  it('holds back unknown-name errors while the schema loads or failed, and shows them once it is there', async () => {
    const local = newEngine();
    const text = 'StormEvents | where Stat == "x" | where 1 +';
    local.setSchemaState(KEY, 'loading');
    const loading = await local.diagnostics(doc(text));
    assert.ok(!loading.diagnostics.some((d) => d.code === 'KS142' || d.code === 'KS204'), 'no false unknown-name errors');
    assert.ok(loading.heldBack > 0);
    assert.ok(loading.diagnostics.some((d) => d.severity === 'error'), 'syntax errors still show');
    local.setSchemaState(KEY, 'failed');
    assert.ok(!(await local.diagnostics(doc(text))).diagnostics.some((d) => d.code === 'KS204'));
    local.setSchema(KEY, SCHEMA);
    const loaded = await local.diagnostics(doc(text));
    assert.ok(loaded.diagnostics.some((d) => d.code === 'KS142'));
    assert.equal(loaded.heldBack, 0);
    // no connection at all (no cluster configured): nothing can be resolved, so nothing is called unknown
    assert.ok(!(await errorCodes('Nope | take 1', null)).includes('KS204'));
  });

  it("asks for databases a query names with database('…') and holds its errors back until they are loaded", async () => {
    const local = newEngine();
    local.setSchema(KEY, SCHEMA);
    local.setDatabaseNames(KEY.clusterUrl, ['Samples', 'Logs']);
    const text = "database('Logs').Traces | where Mesage has 'x'";
    const before = await local.diagnostics(doc(text));
    assert.deepEqual(before.missingDatabases, [OTHER]);
    assert.deepEqual(before.diagnostics, []);
    local.setSchema(OTHER, LOGS);
    const after = await local.diagnostics(doc(text));
    assert.deepEqual(after.missingDatabases, []);
    assert.deepEqual(after.diagnostics.map((d) => [d.code, text.slice(d.start, d.end)]), [['KS142', 'Mesage']]);
    const names = local.complete(doc('database('), 'database('.length).items.map((item) => item.label);
    assert.deepEqual(names, ["'Logs'", "'Samples'"]);
  });

  it("follows the document's connection: another database, other completions and errors", async () => {
    engine.setSchema(OTHER, LOGS);
    const text = 'Traces | where ';
    const onLogs = engine.complete(doc(text, OTHER), text.length).items.map((item) => item.label);
    assert.ok(onLogs.includes('Message'));
    assert.ok(!onLogs.includes('State'));
    assert.deepEqual(await errorCodes('Traces | take 1', OTHER), []);
    assert.deepEqual(await errorCodes('Traces | take 1', KEY), ['KS204']);
  });

  it("replaces a database's symbols when its schema is loaded again (the explorer's Refresh)", async () => {
    const local = newEngine();
    local.setSchema(KEY, SCHEMA);
    assert.deepEqual((await local.diagnostics(doc('StormEvents | take 1'))).diagnostics, []);
    local.setSchema(KEY, { ...SCHEMA, tables: [{ kind: 'table', name: 'NewTable', folder: '', columns: [{ name: 'Fresh', type: 'string' }] }] });
    const labels = local.complete(doc('NewTable | where '), 'NewTable | where '.length).items.map((item) => item.label);
    assert.ok(labels.includes('Fresh'));
    assert.deepEqual((await local.diagnostics(doc('StormEvents | take 1'))).diagnostics.map((d) => d.code), ['KS204']);
  });

  it('formats blocks in Kusto style, keeping the document line endings (LF or CRLF)', () => {
    const lf = 'StormEvents | where State == "TEXAS" | summarize n = count() by State | top 3 by n\n\nprint x=1';
    const [edit] = engine.format(doc(lf));
    assert.equal(edit.start, 0);
    assert.equal(edit.end, lf.indexOf('\n\n'));
    assert.ok(edit.newText.includes('\n| where'), edit.newText);
    assert.ok(!edit.newText.includes('\r'));
    const crlf = lf.replace(/\n/g, '\r\n');
    const [crlfEdit] = engine.format(doc(crlf));
    assert.ok(crlfEdit.newText.includes('\r\n| where'));
    assert.ok(!/[^\r]\n/.test(crlfEdit.newText), 'every line break is CRLF');
    // a selection formats only the blocks it touches
    const selected = engine.format(doc(lf), lf.length - 3, lf.length);
    assert.deepEqual(selected.map((e) => e.newText), ['print x = 1']);
  });

  it('finds the declaration and references of a let name within its block', () => {
    const text = 'let limit = 5;\nStormEvents | take limit\n\nprint limit';
    const related = engine.related(doc(text), text.indexOf('take limit') + 6);
    assert.ok(related);
    assert.deepEqual(
      related.elements.map((e) => [text.slice(e.start, e.end), e.start, e.isDeclaration]),
      [
        ['limit', 4, true],
        ['limit', text.indexOf('take limit') + 5, false],
      ],
    );
    assert.equal(related.current, 1);
  });

  it('gives the signature of the function call the caret is in, with the argument being typed', () => {
    const text = 'StormEvents | extend d = datetime_diff("day", StartTime, ';
    const help = engine.signatureHelp(doc(text), text.length);
    assert.ok(help);
    assert.match(help.signatures[help.activeSignature].label, /^datetime_diff\(/);
    assert.equal(help.activeParameter, 2);
    const stored = 'StormsIn(';
    const storedHelp = engine.signatureHelp(doc(stored), stored.length);
    assert.match(storedHelp?.signatures[0].label ?? '', /StormsIn\(state: string, \[limit: long\]\)/);
    assert.equal(engine.signatureHelp(doc('StormEvents | take 1'), 5), undefined);
  });

  describe('bad input stays harmless', () => {
    it('a 5 MB document: completion answers, diagnostics stop at the limit and say so', async () => {
      const query = 'StormEvents | where State == "TEXAS" | take 10\n\n';
      const text = query.repeat(Math.ceil((5 * 1024 * 1024) / query.length));
      const ref = doc(text);
      const items = engine.complete(ref, text.length - query.length + 20).items;
      assert.ok(items.some((item) => item.label === 'State'));
      const result = await engine.diagnostics(ref);
      const notice = result.diagnostics.find((d) => d.code === 'kusto.notChecked');
      assert.ok(notice, 'a notice where checking stopped');
      assert.equal(notice.severity, 'information');
      assert.ok(result.diagnostics.filter((d) => d.severity === 'error').length === 0);
    });

    it('a 10,000-character line, an unterminated string and binary garbage', async () => {
      const long = `StormEvents | where State in (${Array.from({ length: 1500 }, (_, i) => `"S${i}"`).join(', ')}) | where `;
      assert.ok(long.length > 10_000);
      assert.ok(engine.complete(doc(long), long.length).items.some((item) => item.label === 'State'));
      const unterminated = 'StormEvents | where State == "TEXAS | take 10\n| project State';
      assert.ok((await engine.diagnostics(doc(unterminated))).diagnostics.length > 0);
      engine.complete(doc(unterminated), unterminated.length);
      let garbage = '';
      let seed = 7;
      for (let i = 0; i < 20_000; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        garbage += String.fromCharCode(seed % 0xd800);
      }
      const ref = doc(garbage);
      await engine.diagnostics(ref);
      engine.complete(ref, 10_000);
      engine.hover(ref, 5_000);
      engine.format(ref);
      engine.signatureHelp(ref, 1_000);
    });

    it('a block longer than the service takes is left unchecked with a notice, not parsed', async () => {
      const huge = `print s = "${'x'.repeat(300_000)}"`;
      const result = await engine.diagnostics(doc(huge));
      assert.deepEqual(result.diagnostics.map((d) => d.code), ['kusto.notChecked']);
      assert.deepEqual(engine.complete(doc(huge), 5).items, []);
    });
  });
});
