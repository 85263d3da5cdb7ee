// The language worker as the extension host drives it: a real worker_threads worker, its answers, a worker that
// dies, stale requests, and a host that keeps running its own work while the worker is busy.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { LanguageClient, type DocumentSource } from '../../src/core/language/languageClient';
import { kustoLanguagePackageDirectory } from '../support/kustoLanguagePackage';
import { KEY, SCHEMA, wideSchema } from '../support/languageSchemas';

const WORKER_PATH = path.resolve(__dirname, '../../src/core/language/languageWorker.js');

function source(uri: string, text: string, version: number): DocumentSource {
  return { uri, version, getText: () => text, connection: KEY };
}

describe('language service: worker', function () {
  this.timeout(120_000);
  let client: LanguageClient;
  const logged: string[] = [];

  beforeEach(() => {
    client = new LanguageClient({ workerPath: WORKER_PATH, vendorDirectory: kustoLanguagePackageDirectory(), log: (level, message) => logged.push(`${level}: ${message}`) });
  });

  afterEach(() => client.dispose());

  it('starts on first need, takes the schema in parts and answers completion, diagnostics and hover', async () => {
    assert.equal(client.started, false);
    await client.setSchema(KEY, SCHEMA);
    assert.equal(client.started, false, 'a schema alone does not start the worker');
    const text = 'StormEvents | where Stat == "x"\n\nStormEvents | where ';
    const document = source('file:///a.kql', text, 1);
    const completion = await client.request('complete', document, { offset: text.length });
    assert.ok(client.started);
    assert.deepEqual(completion?.items.slice(0, 3).map((item) => item.label), ['DamageProperty', 'StartTime', 'State']);
    const diagnostics = await client.request('diagnostics', document, {});
    assert.deepEqual(diagnostics?.diagnostics.map((d) => [d.code, text.slice(d.start, d.end)]), [
      ['KS142', 'Stat'],
      ['KS006', ''],
    ]);
    const hover = await client.request('hover', document, { offset: text.indexOf('StormEvents') + 2 });
    assert.match(hover?.text ?? '', /US storm events/);
  });

  it('starts a new worker when one dies, with the schemas it had, and keeps answering', async () => {
    await client.setSchema(KEY, SCHEMA);
    const text = 'StormEvents | where ';
    assert.ok((await client.request('complete', source('file:///b.kql', text, 1), { offset: text.length }))?.items.length);
    const dying = (client as unknown as { worker: Worker }).worker;
    await dying.terminate();
    const again = await client.request('complete', source('file:///b.kql', text, 1), { offset: text.length });
    assert.ok(again?.items.some((item) => item.label === 'State'), 'columns still known: the schema was replayed');
    assert.ok(logged.some((line) => line.includes('stopped')), 'the stop is logged');
  });

  it('answers an older diagnostics request as stale once a newer one for the document arrives', async () => {
    await client.setSchema(KEY, SCHEMA);
    const blocks = Array.from({ length: 300 }, (_, i) => `StormEvents | where State == "S${i}" | take ${i}`).join('\n\n');
    const first = client.request('diagnostics', source('file:///c.kql', blocks, 1), {});
    const second = client.request('diagnostics', source('file:///c.kql', `${blocks}\n\nprint 1`, 2), {});
    const [older, newer] = await Promise.all([first, second]);
    assert.equal(older, undefined);
    assert.ok(newer);
  });

  it('keeps the host responsive while the worker chews on a 5 MB document and a 5,000-table schema', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await client.setSchema({ clusterUrl: KEY.clusterUrl, database: 'Big' }, wideSchema('Big', 5000, 40));
      const query = 'Table_0042 | where Column_0 == "x" | take 10\n\n';
      const text = query.repeat(Math.ceil((5 * 1024 * 1024) / query.length));
      const document: DocumentSource = { uri: 'file:///big.kql', version: 1, getText: () => text, connection: { clusterUrl: KEY.clusterUrl, database: 'Big' } };
      const ticksBefore = ticks;
      const diagnostics = await client.request('diagnostics', document, {});
      assert.ok(diagnostics?.diagnostics.some((d) => d.code === 'kusto.notChecked'));
      const completion = await client.request('complete', document, { offset: 20 + query.length * 3 });
      assert.ok(completion?.items.some((item) => item.label === 'Column_0'));
      assert.ok(ticks > ticksBefore, 'host timers ran while the worker worked');
    } finally {
      clearInterval(timer);
    }
  });
});
