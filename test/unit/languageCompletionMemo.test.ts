// The worker keeps Kusto.Language's completion items between requests (completionMemo.ts). What a user sees must
// not change: the same items, in the service's order, with the same kinds, texts and snippets, whether the items
// were made afresh or kept, on every connection (a function is the database's own on one and unknown on another).
import * as assert from 'node:assert/strict';
import { installCompletionMemo, type CompletionMemo } from '../../src/core/language/completionMemo';
import type { LanguageEngine } from '../../src/core/language/languageEngine';
import { loadKustoLanguage } from '../../src/core/language/kustoLanguageLibrary';
import type { CompletionResult, DatabaseKey } from '../../src/core/language/languageProtocol';
import { kustoLanguagePackageDirectory } from '../support/kustoLanguagePackage';
import { doc, KEY, newEngine, SCHEMA, wideSchema } from '../support/languageSchemas';

const WIDE: DatabaseKey = { clusterUrl: KEY.clusterUrl, database: 'Wide' };

/** Places a person asks for completion, on both connections. */
const CONTEXTS: readonly string[] = [
  '',
  'Stor',
  'StormEvents | where ',
  'StormEvents | where State has "x" and ',
  'StormEvents\n| ',
  'StormEvents | project ',
  'StormEvents | extend d = strcat(',
  'StormEvents | summarize ',
  'StormEvents | summarize count() by ',
  'StormEvents | render ',
  'StormEvents | render timechart with (',
  'StormEvents | join kind=inner (',
  'StormEvents | invoke ',
  'let f = (a:long) { a + 1 };\nStormEvents | extend x = f(',
  'let threshold = 10;\nStormEvents | where DamageProperty > ',
  "database('Wide').",
  "database('Samples').",
  'StormsIn(',
  'Table_0001 | where ',
  'Table_0001 | extend y = Fn_',
  '.show ',
  'print x = ',
];

describe('language service: completion items kept between requests', function () {
  this.timeout(120_000);
  let engine: LanguageEngine;
  let memo: CompletionMemo;

  before(() => {
    engine = newEngine();
    engine.setSchema(KEY, SCHEMA);
    engine.setSchema(WIDE, wideSchema('Wide', 20, 6));
    const installed = installCompletionMemo(loadKustoLanguage(kustoLanguagePackageDirectory()));
    assert.ok(installed, 'the service internals the memo wraps are there in this version of Kusto.Language');
    memo = installed;
  });

  after(() => {
    memo.enabled = true;
  });

  const everything = (): CompletionResult[] => {
    const results: CompletionResult[] = [];
    for (const connection of [KEY, WIDE]) {
      for (const text of CONTEXTS) {
        results.push(engine.complete(doc(text, connection), text.length));
      }
    }
    return results;
  };

  it('answers exactly what the service answers on its own, in its order, on every connection', () => {
    memo.enabled = false;
    const fresh = everything();
    memo.enabled = true;
    const first = everything();
    const kept = everything();
    assert.ok(fresh.reduce((sum, result) => sum + result.items.length, 0) > 5_000, 'the contexts offer thousands of items');
    assert.deepEqual(first, fresh);
    assert.deepEqual(kept, fresh);
  });

  it("shows a database's function as the database's on its connection and a built-in as built-in on both", () => {
    const text = 'StormEvents | extend x = ';
    const onSamples = engine.complete(doc(text, KEY), text.length).items;
    const onWide = engine.complete(doc(text, WIDE), text.length).items;
    assert.equal(onSamples.find((item) => item.label.startsWith('StormsIn('))?.kind, 'databaseFunction');
    assert.equal(onWide.find((item) => item.label.startsWith('StormsIn(')), undefined, "another database's function is not offered");
    assert.equal(onWide.find((item) => item.label.startsWith('Fn_1('))?.kind, 'databaseFunction');
    for (const items of [onSamples, onWide]) {
      assert.equal(items.find((item) => item.label.startsWith('strcat('))?.kind, 'function');
      assert.equal(items.find((item) => item.label.startsWith('strcat('))?.insertText, 'strcat($0)');
    }
  });
});
