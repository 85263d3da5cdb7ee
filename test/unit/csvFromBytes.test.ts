// The CSV export written from the rows' bytes must be the file the export from parsed rows writes, byte for byte:
// a differential test over generated rows with escapes, non-ASCII text, formula-like cells, number spellings,
// unsafe longs and dynamic JSON, in table order and sorted, from one DataTable and from fragments.

import * as assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { KustoColumn, KustoTable } from '../../src/core/kusto/resultTypes';
import { parseKustoResponseChunks } from '../../src/core/kusto/responseParser';
import { ResultTable, type ResultView } from '../../src/core/results/resultView';
import { writeCsv, writeCsvFromParsedRows } from '../../src/core/results/resultExport';
import { isCanonicalJson, isCanonicalNumber } from '../../src/core/results/csvFromBytes';
import { createRandom } from '../../src/localServers/kusto/sampleData';

const columns: KustoColumn[] = [
  { name: 'S', type: 'string' },
  { name: 'R', type: 'real' },
  { name: 'L', type: 'long' },
  { name: 'D', type: 'dynamic' },
  { name: 'T', type: 'timespan' },
  { name: 'W', type: 'datetime' },
  { name: 'B', type: 'bool' },
  { name: 'I', type: 'int' },
];

const strings = [
  'Texas', 'tex\\u0061s', 'TE\\"XAS', 'caf\u00e9 t\u00c9xas', '\u00e9t\u00e9', 'K\u212aelvin', 'line\\nbreak', 'a\\\\b', '', 'Orlando',
  '=HYPERLINK(1)', '+1', '-5', '-x', '@me', ' lead', 'trail ', 'a,b', '\u00a0nbsp', 'end\u3000', '\\ttab', '12,5', 'x\\"\\"y',
];
const numbers = ['1E+2', '100', '-0.5e-3', '0.10', '1e400', '-1e400', '12345678901234567890', '9007199254740993', '7', '3.5', '-0', '0', '-0.0', '0.000001', '0.0000001', '123456789012345', '1234567890123456', '33.9658', '-82.9507', '86.81280000000001', 'null'];
const dynamics = [
  '{"State":"TEXAS","n":1}', '{"State": "TEXAS"}', '[1,2.50,"x y"]', '[1,2.5,"x,y"]', '{"k":{"deep":[true,null]}}', '"plain texas"', '"=formula"', 'null',
  '{"a":1,"a":2}', '{"b":1,"1":2}', '{"u":"caf\u00e9"}', '{"e":"a\\u0062"}', '{"n":12345678901234567890}', '{"x":-0}', '[1e3]', '{"q":"say \\"hi\\""}', '[]', '{}',
  '"' + 'x'.repeat(2500) + '"', `"${'['.repeat(1200)}"`, '7', '-1.5', 'true',
];
const times = ['"1.02:03:04.5000000"', '"00:00:01"', '"-00:10:00"', '90061500', '5', 'null'];
const dates = ['"2007-01-01T00:00:00.1234567Z"', '"2007-01-01T00:00:00Z"', 'null', '1'];

function rowTexts(count: number, seed: number): string[] {
  const random = createRandom(seed);
  const pick = <T,>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const texts: string[] = [];
  for (let index = 0; index < count; index++) {
    const cells = ['"' + pick(strings) + '"', pick(numbers), pick(numbers), pick(dynamics), pick(times), pick(dates), pick(['true', 'false', 'null']), pick(numbers)];
    // Some rows short (missing cells are empty fields), some with white space between cells.
    const used = random() < 0.05 ? cells.slice(0, 5) : cells;
    texts.push(`[${used.join(random() < 0.2 ? ' , ' : ',')}]`);
  }
  return texts;
}

function bodyOf(texts: string[], fragments: number): Buffer {
  const columnsJson = JSON.stringify(columns.map((c) => ({ ColumnName: c.name, ColumnType: c.type })));
  const frames = ['{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"}'];
  if (fragments <= 1) {
    frames.push(`{"FrameType":"DataTable","TableId":0,"TableKind":"PrimaryResult","TableName":"T","Columns":${columnsJson},"Rows":[${texts.join(',\n')}]}`);
  } else {
    frames.push(`{"FrameType":"TableHeader","TableId":0,"TableKind":"PrimaryResult","TableName":"T","Columns":${columnsJson}}`);
    const size = Math.ceil(texts.length / fragments);
    for (let start = 0; start < texts.length; start += size) {
      frames.push(`{"FrameType":"TableFragment","TableId":0,"TableFragmentType":"DataAppend","Rows":[${texts.slice(start, start + size).join(',')}]}`);
    }
    frames.push(`{"FrameType":"TableCompletion","TableId":0,"RowCount":${texts.length}}`);
  }
  frames.push('{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}');
  return Buffer.from(`[${frames.join(',\n')}]`);
}

function tableOf(texts: string[], fragments: number): KustoTable {
  const body = bodyOf(texts, fragments);
  const chunks = [body.subarray(0, 5000), body.subarray(5000, 9000), body.subarray(9000)];
  return parseKustoResponseChunks(chunks, { slabBytes: 4096 }).tables.find((t) => t.kind === 'PrimaryResult')!;
}

async function csvOf(write: typeof writeCsv, view: ResultView, rawFormulas: boolean): Promise<string> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      parts.push(Buffer.from(chunk));
      callback();
    },
  });
  await write(view, sink, { rawFormulas });
  return Buffer.concat(parts).toString('utf8');
}

describe('CSV export from the rows bytes', () => {
  for (const fragments of [1, 4]) {
    it(`writes the same file as the export from parsed rows (${fragments === 1 ? 'one DataTable' : 'four fragments'}), in table order and sorted, with and without formula guard`, async () => {
      const table = tableOf(rowTexts(3000, 7 + fragments), fragments);
      assert.ok(table.rows.rawRowBytes, 'the rows offer their bytes');
      const result = new ResultTable(table);
      const views = [result.view(), result.view({ sort: { columnIndex: 1, direction: 'desc' } }), result.view({ filter: 'texas' })];
      for (const view of views) {
        for (const rawFormulas of [false, true]) {
          const fromBytes = await csvOf(writeCsv, view, rawFormulas);
          const fromParsed = await csvOf(writeCsvFromParsedRows, view, rawFormulas);
          assert.equal(fromBytes.split('\r\n').length, view.rowCount + 2);
          if (fromBytes !== fromParsed) {
            const a = fromBytes.split('\r\n');
            const b = fromParsed.split('\r\n');
            const line = a.findIndex((text, index) => text !== b[index]);
            assert.equal(a[line], b[line], `line ${line} differs`);
          }
        }
      }
    });
  }

  it('neutralises formula-like cells and quotes what CSV must quote', async () => {
    const table = tableOf(['["=1+1",1,1,{"a":"b"},null,null,true,1]', '["a,b",2.5,null,[1,"x"],null,null,false,-3]', '[" lead",null,null,null,null,null,null,null]'], 1);
    const text = await csvOf(writeCsv, new ResultTable(table).view(), false);
    assert.equal(
      text,
      'S,R,L,D,T,W,B,I\r\n' + `'=1+1,1,1,"{""a"":""b""}",,,true,1\r\n` + `"a,b",2.5,,"[1,""x""]",,,false,-3\r\n` + '" lead",,,,,,,\r\n',
    );
  });

  it('calls a number or a JSON text canonical only when String(Number(x)) / JSON.stringify(JSON.parse(x)) give it back', () => {
    const random = createRandom(3);
    const digits = (count: number): string => Array.from({ length: count }, () => Math.floor(random() * 10)).join('');
    const literals = [...numbers.filter((n) => n !== 'null'), '0.5', '-0.25', '10.0', '1.000001', '0.123456789012345', '0.1234567890123456', '100000000000000000000', '1.5e3'];
    for (let index = 0; index < 3000; index++) {
      const integer = String(Number(digits(1 + Math.floor(random() * 17))));
      const fraction = random() < 0.6 ? `.${'0'.repeat(Math.floor(random() * 7))}${digits(1 + Math.floor(random() * 16))}` : '';
      literals.push(`${random() < 0.3 ? '-' : ''}${integer}${fraction}`);
    }
    let canonical = 0;
    for (const literal of literals) {
      const bytes = Buffer.from(literal, 'latin1');
      if (isCanonicalNumber(bytes, 0, bytes.length)) {
        canonical++;
        assert.equal(String(Number(literal)), literal, literal);
      }
    }
    assert.ok(canonical > literals.length / 3, 'most plain spellings are recognised');
    for (const text of dynamics.filter((d) => d.startsWith('{') || d.startsWith('['))) {
      const bytes = Buffer.from(text);
      if (isCanonicalJson(bytes, 0, bytes.length)) assert.equal(JSON.stringify(JSON.parse(text)), text, text);
    }
    assert.equal(isCanonicalJson(Buffer.from('{"a":1,"a":2}'), 0, 13), false);
    assert.equal(isCanonicalJson(Buffer.from('{"b":1,"1":2}'), 0, 13), false);
  });
});
