import * as assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { KustoTable } from '../../src/core/kusto/resultTypes';
import { ResultTable } from '../../src/core/results/resultView';
import { csvField, normalizeRanges, rowsToTsv, writeCsv, writeJson } from '../../src/core/results/resultExport';
import { allRows, rowsOf } from '../../src/core/kusto/kustoRows';
import { parseKustoResponseChunks } from '../../src/core/kusto/responseParser';
import { buildStormEventsV2Body } from '../fixtures/kusto/stormEventsBody';

const sample: KustoTable = {
  id: 0,
  name: 'PrimaryResult',
  kind: 'PrimaryResult',
  columns: [
    { name: 'Name', type: 'string' },
    { name: 'Big', type: 'long' },
    { name: 'When', type: 'datetime' },
    { name: 'Bag', type: 'dynamic' },
    { name: 'R', type: 'real' },
  ],
  rows: rowsOf([
    ['plain', 1, '2007-01-01T00:00:00.1234567Z', { a: 1 }, 0.5],
    ['comma, "quote"\nnewline', '9007199254740993', null, null, 'NaN'],
    ['\ttab', null, '2007-01-02T00:00:00.0000000Z', [1, 'x'], null],
  ]),
};

describe('results export', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kusto-export-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('quotes CSV fields only when needed (RFC 4180)', () => {
    assert.equal(csvField('abc'), 'abc');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\r\nlines'), '"two\r\nlines"');
    assert.equal(csvField(' padded'), '" padded"');
    assert.equal(csvField(null), '');
  });

  it('writes CSV with a header, CRLF line ends, exact longs and datetimes as sent', async () => {
    const file = join(dir, 'out.csv');
    const rows = await writeCsv(new ResultTable(sample).view(), createWriteStream(file));
    assert.equal(rows, 3);
    assert.equal(
      readFileSync(file, 'utf8'),
      'Name,Big,When,Bag,R\r\n' +
        'plain,1,2007-01-01T00:00:00.1234567Z,"{""a"":1}",0.5\r\n' +
        '"comma, ""quote""\nnewline",9007199254740993,,,NaN\r\n' +
        // A cell starting with a tab is one a spreadsheet could read as a formula: neutralised with '.
        "'\ttab,,2007-01-02T00:00:00.0000000Z,\"[1,\"\"x\"\"]\",\r\n",
    );
  });

  it('writes JSON as an array of objects that parses back, with big longs exact in the text', async () => {
    const file = join(dir, 'out.json');
    await writeJson(new ResultTable(sample).view({ sort: { columnIndex: 2, direction: 'desc' } }), createWriteStream(file));
    const text = readFileSync(file, 'utf8');
    assert.match(text, /"Big":9007199254740993,/);
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    assert.deepEqual(
      parsed.map((r) => r.When),
      ['2007-01-02T00:00:00.0000000Z', '2007-01-01T00:00:00.1234567Z', null],
      'rows follow the sorted view',
    );
    assert.deepEqual(parsed[0].Bag, [1, 'x']);
    assert.equal(parsed[2].R, 'NaN');
  });

  it('copies selected rows as TSV with a header, merging overlapping ranges in view order', async () => {
    const view = new ResultTable(sample).view();
    const { text: tsv } = await rowsToTsv(view, [{ start: 2, end: 3 }, { start: 0, end: 1 }, { start: 0, end: 1 }]);
    assert.equal(
      tsv,
      'Name\tBig\tWhen\tBag\tR\r\n' + 'plain\t1\t2007-01-01T00:00:00.1234567Z\t{"a":1}\t0.5\r\n' + `"'\ttab"\t\t2007-01-02T00:00:00.0000000Z\t[1,"x"]\t\r\n`,
    );
    assert.deepEqual(normalizeRanges([{ start: 5, end: 9 }, { start: 0, end: 2 }, { start: 1, end: 6 }], 7), [{ start: 0, end: 7 }]);
  });

  it('respects backpressure: a slow writer never has more than one chunk pending', async () => {
    const rows = Array.from({ length: 20000 }, (_, i) => [`row ${i} ${'x'.repeat(50)}`, i, null, null, i / 3]);
    const view = new ResultTable({ ...sample, rows: rowsOf(rows) }).view();
    let maxPending = 0;
    let pending = 0;
    let received = '';
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, callback) {
        pending++;
        maxPending = Math.max(maxPending, pending);
        received += chunk.toString('utf8');
        setTimeout(() => {
          pending--;
          callback();
        }, 1);
      },
    });
    await writeCsv(view, slow);
    assert.equal(maxPending, 1);
    assert.equal(received.split('\r\n').length - 2, 20000);
  });

  it('exports a result read from the wire (rows parsed as read) exactly as the same rows held in memory', async () => {
    const body = buildStormEventsV2Body(2500);
    const parsed = parseKustoResponseChunks([body.subarray(0, 100_000), body.subarray(100_000)]);
    const fromWire = parsed.tables.find((table) => table.kind === 'PrimaryResult')!;
    const inMemory = { ...fromWire, rows: rowsOf(allRows(fromWire.rows)) };
    const collect = async (table: KustoTable, sorted: boolean): Promise<string> => {
      let text = '';
      const out = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          text += chunk.toString('utf8');
          callback();
        },
      });
      const view = new ResultTable(table).view(sorted ? { sort: { columnIndex: 4, direction: 'desc' } } : {});
      await writeCsv(view, out);
      return text;
    };
    for (const sorted of [false, true]) {
      const expected = await collect(inMemory, sorted);
      assert.equal(expected.split('\r\n').length, 2500 + 2);
      assert.equal(await collect(fromWire, sorted), expected, sorted ? 'sorted' : 'in table order');
    }
    const view = new ResultTable(fromWire).view();
    assert.equal(
      (await rowsToTsv(view, [{ start: 1020, end: 1030 }])).text,
      (await rowsToTsv(new ResultTable(inMemory).view(), [{ start: 1020, end: 1030 }])).text,
    );
  });

  it('exports 1,000,000 rows to CSV and JSON on disk', async function () {
    this.timeout(120000);
    const rows = Array.from({ length: 1_000_000 }, (_, i) => [`name ${i}`, i, '2020-01-01T00:00:00.0000000Z', null, i * 0.25]);
    const view = new ResultTable({ ...sample, rows: rowsOf(rows) }).view();
    const csvFile = join(dir, 'big.csv');
    let started = Date.now();
    await writeCsv(view, createWriteStream(csvFile));
    const csvMs = Date.now() - started;
    const csvText = readFileSync(csvFile, 'utf8');
    assert.equal(csvText.split('\r\n').length, 1_000_002);
    assert.ok(csvText.endsWith('name 999999,999999,2020-01-01T00:00:00.0000000Z,,249999.75\r\n'));
    const jsonFile = join(dir, 'big.json');
    started = Date.now();
    await writeJson(view, createWriteStream(jsonFile));
    const jsonMs = Date.now() - started;
    assert.equal((JSON.parse(readFileSync(jsonFile, 'utf8')) as unknown[]).length, 1_000_000);
    console.log(`      1,000,000 rows: CSV export ${csvMs} ms, JSON export ${jsonMs} ms`);
  });
});
