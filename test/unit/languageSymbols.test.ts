// Schema → Kusto.Language symbols, judged by what a user sees: the names complete, resolve without errors and
// hover with their types and doc strings.
import * as assert from 'node:assert/strict';
import type { LanguageEngine } from '../../src/core/language/languageEngine';
import { functionBodyText, parameterListText } from '../../src/core/language/schemaSymbols';
import { doc, KEY, newEngine, SCHEMA } from '../support/languageSchemas';

describe('language service: schema → symbols', function () {
  this.timeout(60_000);
  let engine: LanguageEngine;

  before(() => {
    engine = newEngine();
    engine.setSchema(KEY, SCHEMA);
  });

  async function errorsOf(text: string): Promise<string[]> {
    const result = await engine.diagnostics(doc(text));
    return result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);
  }

  function labelsAt(text: string, offset = text.length): Map<string, string> {
    const result = engine.complete(doc(text), offset);
    return new Map(result.items.map((item) => [item.label, item.kind]));
  }

  it('writes parameter lists the service reads: scalar with defaults, tabular with columns or (*), quoted names', () => {
    assert.equal(parameterListText(SCHEMA.functions[0].parameters), "(state:string, ['limit']:long = 10)");
    assert.equal(parameterListText(SCHEMA.functions[1].parameters), '(T:(State:string), minimum:long)');
    assert.equal(parameterListText([{ name: 'T', columns: [] }]), '(T:(*))');
    assert.equal(parameterListText([{ name: 'my arg', type: 'string' }, { name: 'T', columns: [{ name: 'a b', type: 'weird type!' }] }]), "(['my arg']:string, T:(['a b']:dynamic))");
    assert.equal(functionBodyText('T | take 1'), '{\nT | take 1\n}');
    assert.equal(functionBodyText(' { T } '), '{ T }');
  });

  it('offers tables, materialized views, external tables and functions where a query starts', () => {
    const labels = labelsAt('');
    assert.equal(labels.get('StormEvents'), 'table');
    assert.equal(labels.get('DailyStorms'), 'materializedView');
    assert.ok([...labels.keys()].some((label) => label.startsWith('StormsIn(')), 'the function with its parameters');
    assert.ok([...labels.keys()].some((label) => label.startsWith('CountBy(')), 'the tabular function');
    const external = labelsAt('external_table(');
    assert.ok(external.has("'ArchivedStorms'"), `external tables in external_table(): ${[...external.keys()].slice(0, 10)}`);
    assert.ok(labelsAt('materialized_view(').has("'DailyStorms'"));
  });

  it('resolves functions with scalar and tabular parameters, views and external tables without errors', async () => {
    assert.deepEqual(await errorsOf('StormsIn("TEXAS") | project StartTime'), []);
    assert.deepEqual(await errorsOf('StormsIn("TEXAS", 5) | count'), []);
    assert.deepEqual(await errorsOf('CountBy(StormEvents, 3) | project State, n'), []);
    assert.deepEqual(await errorsOf('AnyTable(StormEvents) | count'), []);
    assert.deepEqual(await errorsOf('DailyStorms | where Storms > 1 | project Day'), []);
    assert.deepEqual(await errorsOf("external_table('ArchivedStorms') | where EventId > 0"), []);
    // and a wrong column of a function's result is an error, as the cluster would say
    assert.ok((await errorsOf('CountBy(StormEvents, 3) | project Nope')).some((e) => e.startsWith('KS142')));
  });

  it('quotes names that need it when completing, and reads them quoted', async () => {
    const tables = engine.complete(doc(''), 0).items;
    const quoted = tables.find((item) => item.label.includes('my table'));
    assert.ok(quoted, 'the table with a space is offered');
    assert.match(quoted.insertText, /\['my table'\]/);
    assert.deepEqual(await errorsOf("['my table'] | where ['col x'] > 1.5 | project ['it\\'s']"), []);
    const columns = engine.complete(doc("['my table'] | project "), "['my table'] | project ".length).items;
    assert.ok(columns.some((item) => item.insertText.startsWith("['col x']")), 'the column with a space, quoted');
  });

  it('handles a table named like a keyword', async () => {
    assert.deepEqual(await errorsOf("['where'] | project ['project']"), []);
    const tables = engine.complete(doc(''), 0).items;
    assert.ok(tables.some((item) => item.insertText.startsWith("['where']")), 'offered quoted');
  });

  it('hovers columns with their type and doc string, and without one when there is none', () => {
    const text = 'StormEvents | where StartTime > ago(1d) and State == "TEXAS"';
    const withDoc = engine.hover(doc(text), text.indexOf('StartTime') + 2);
    assert.match(withDoc?.text ?? '', /StartTime: datetime/);
    assert.match(withDoc?.text ?? '', /When the storm started/);
    const withoutDoc = engine.hover(doc(text), text.indexOf('State ') + 2);
    assert.equal(withoutDoc?.text, 'State: string');
    const table = engine.hover(doc(text), 3);
    assert.match(table?.text ?? '', /StormEvents/);
    assert.match(table?.text ?? '', /US storm events/);
  });
});
