import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KustoBodyError, KustoResponseFormatError } from '../../src/core/kusto/kustoErrors';
import { parseKustoResponseChunks, type ResponseParseOptions } from '../../src/core/kusto/responseParser';
import type { ParsedDataSet } from '../../src/core/kusto/v2Parser';
import { allRows } from '../../src/core/kusto/kustoRows';
import type { KustoRow, KustoTable } from '../../src/core/kusto/resultTypes';
import { buildStormEventsV2Body } from '../fixtures/kusto/stormEventsBody';
import { createRandom } from '../../src/localServers/kusto/sampleData';

const fixturesDirectory = path.resolve(__dirname, '../../../test/fixtures/kusto');

function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(fixturesDirectory, name));
}

function splitEvery(body: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += size) {
    chunks.push(body.subarray(offset, offset + size));
  }
  return chunks;
}

/** A parsed data set with every table's rows read into arrays: what deepEqual can compare. */
type PlainDataSet = Omit<ParsedDataSet, 'tables'> & { tables: Array<Omit<KustoTable, 'rows'> & { rows: KustoRow[] }> };

function plain(result: ParsedDataSet): PlainDataSet {
  return { ...result, tables: result.tables.map((table) => ({ ...table, rows: allRows(table.rows) })) };
}

function parse(body: Buffer, options?: ResponseParseOptions, chunkSize = body.length): PlainDataSet {
  return plain(parseKustoResponseChunks(splitEvery(body, Math.max(1, chunkSize)), options));
}

function primary(result: PlainDataSet) {
  const table = result.tables.find((candidate) => candidate.kind === 'PrimaryResult');
  assert.ok(table, 'a PrimaryResult table');
  return table;
}

function formatError(run: () => unknown): KustoResponseFormatError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof KustoResponseFormatError, `expected a format error, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the body to be rejected');
}

describe('Kusto response parser', () => {
  describe('v2 frames with every scalar type', () => {
    const body = fixture('v2-all-types.json');
    const reference = parse(body);

    it('reads every table with its kind, name and column types', () => {
      assert.deepEqual(
        reference.tables.map((table) => [table.id, table.kind, table.name]),
        [
          [0, 'QueryProperties', '@ExtendedProperties'],
          [1, 'PrimaryResult', 'PrimaryResult'],
          [2, 'QueryCompletionInformation', 'QueryCompletionInformation'],
        ],
      );
      assert.deepEqual(
        primary(reference).columns.map((column) => column.type),
        ['bool', 'datetime', 'dynamic', 'guid', 'int', 'long', 'real', 'string', 'timespan', 'decimal'],
      );
      assert.equal(primary(reference).rows.length, 5);
      assert.deepEqual(reference.partialErrors, []);
    });

    it('keeps longs beyond 2^53 exact as digits and leaves safe numbers as numbers', () => {
      const rows = primary(reference).rows;
      assert.equal(rows[0][5], '9007199254740993');
      assert.equal(rows[1][5], '-9223372036854775808');
      assert.equal(rows[3][5], 9007199254740991);
      assert.equal(rows[4][5], '9223372036854775807');
      assert.equal(rows[0][4], -2147483648);
      // A real with 17 significant digits and an exponent literal are not longs: they stay numbers.
      assert.equal(rows[0][6], 0.30000000000000004);
      assert.equal(rows[3][6], 1.5e20);
      // Inside dynamic values the value keeps the server's JSON text, every digit of the number as a number.
      assert.match(String(rows[0][2]), /"big"\s*:\s*12345678901234567890\b/);
    });

    it('keeps strings with escapes, brackets and multibyte UTF-8 intact', () => {
      const rows = primary(reference).rows;
      assert.equal(rows[0][7], 'quote " backslash \\ slash / tab \t newline \n unicode é 😀 ü€😀 [brackets] {braces} ,commas,');
      assert.equal(rows[3][7], '日本語のテキスト');
      assert.equal(rows[4][6], '-Infinity', 'Kusto sends non-finite reals as strings');
      assert.equal(rows[4][7], '],["not a row boundary"],[');
      assert.deepEqual(rows[2], [null, null, null, null, null, null, null, null, null, null]);
    });

    it('reads a single column from the bytes exactly as whole rows read it (escapes, longs, dynamic, nulls)', () => {
      const result = parseKustoResponseChunks(splitEvery(body, 13), { slabBytes: 64 });
      const rows = result.tables.find((table) => table.kind === 'PrimaryResult')!.rows;
      const whole = allRows(rows);
      for (let column = 0; column < whole[0].length; column++) {
        assert.deepEqual(rows.column(column), whole.map((row) => row[column]), `column ${column}`);
      }
      assert.deepEqual(rows.column(99), whole.map(() => undefined), 'a column past the end of every row');
    });

    it('keeps datetimes, timespans and decimals as the server wrote them', () => {
      const rows = primary(reference).rows;
      assert.equal(rows[0][1], '2007-01-01T00:00:00.1234567Z');
      assert.equal(rows[0][8], '1.02:03:04.5000000');
      assert.equal(rows[0][9], '123456789012345678901234.5678');
      assert.deepEqual(rows[4][2], { nested: { deep: [[1, 2], [3, 4]] } });
    });

    it('reads statistics from QueryResourceConsumption and the visualization from QueryProperties', () => {
      assert.equal(reference.statistics?.executionTimeSeconds, 0.0316843);
      assert.equal(reference.statistics?.cpuTimeMs, 93.75);
      assert.equal(reference.statistics?.memoryPeakBytes, 6301040);
      assert.equal(reference.statistics?.scannedExtentsBytes, 2317138 + 22174 + 1000);
      assert.equal(reference.statistics?.resultRowCount, 5);
      assert.equal(reference.statistics?.resultSizeBytes, 308);
      assert.deepEqual(reference.visualization, {
        type: 'timechart',
        properties: { Title: 'Storms by day', Accumulate: false, IsQuerySorted: false, Ymin: 'NaN' },
      });
    });

    it('gives the same result whatever the chunk and batch sizes (every awkward boundary)', () => {
      for (const batchBytes of [1, 7, 64, 300, 1 << 20]) {
        for (const chunkSize of [1, 2, 3, 5, 13, 64, 1000]) {
          assert.deepEqual(parse(body, { slabBytes: batchBytes }, chunkSize), reference, `batch ${batchBytes}, chunk ${chunkSize}`);
        }
      }
    });

    it('gives the same result when the body is split in two at every byte', () => {
      for (const batchBytes of [16, 1 << 20]) {
        // Every byte with the fast path cutting tiny batches; every third byte with the exact scan alone.
        for (let cut = 1; cut < body.length; cut += batchBytes === 16 ? 1 : 3) {
          const result = plain(parseKustoResponseChunks([body.subarray(0, cut), body.subarray(cut)], { slabBytes: batchBytes }));
          assert.deepEqual(result, reference, `cut at byte ${cut}, batch ${batchBytes}`);
        }
      }
    });

    it('accepts a UTF-8 byte order mark, also split across chunks', () => {
      const withMark = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]);
      assert.deepEqual(parse(withMark, {}, 1), reference);
      assert.deepEqual(parse(withMark), reference);
    });
  });

  describe('partial results', () => {
    it('keeps rows and reports TableCompletion/DataSetCompletion errors once (EndOfTable placement)', () => {
      const result = parse(fixture('v2-partial-error-end-of-table.json'), { slabBytes: 4 }, 5);
      assert.deepEqual(primary(result).rows, [[1], [2]]);
      assert.equal(result.partialErrors.length, 1);
      assert.equal(result.partialErrors[0].code, 'LimitsExceeded');
      assert.match(result.partialErrors[0].message, /exceed the set limit of 2 records/);
      assert.equal(result.visualization, undefined, 'a null Visualization is no chart');
    });

    it('keeps rows before an error reported in place of a row (InData placement)', () => {
      for (const batchBytes of [1, 1 << 20]) {
        const result = parse(fixture('v2-partial-error-in-data.json'), { slabBytes: batchBytes }, 7);
        assert.deepEqual(primary(result).rows, [['first', 1], ['second', 2]]);
        assert.equal(result.partialErrors.length, 1);
        assert.match(result.partialErrors[0].message, /Low memory condition/);
      }
    });

    it('reports a response without DataSetCompletion as possibly incomplete', () => {
      const body = Buffer.from(
        '[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},' +
          '{"FrameType":"DataTable","TableId":0,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"x","ColumnType":"int"}],"Rows":[[1]]}]',
      );
      const result = parse(body);
      assert.deepEqual(primary(result).rows, [[1]]);
      assert.equal(result.partialErrors[0].code, 'IncompleteResponse');
    });

    it('reports HasErrors and Cancelled even when the server names no error', () => {
      const body = Buffer.from(
        '[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},' +
          '{"FrameType":"DataSetCompletion","HasErrors":true,"Cancelled":true}]',
      );
      const codes = parse(body).partialErrors.map((error) => error.code);
      assert.deepEqual(codes, ['PartialQueryFailure', 'Cancelled']);
    });
  });

  it('applies progressive fragments: append, then replace', () => {
    const result = parse(fixture('v2-progressive.json'), { slabBytes: 2 }, 3);
    assert.deepEqual(primary(result).rows, [
      ['TEXAS', 12],
      ['KANSAS', 4],
      ['IOWA', 2],
    ]);
  });

  describe('v1 tables', () => {
    it('reads a management command result: one table, .NET DataType names mapped, longs exact', () => {
      const body = fixture('v1-show-databases.json');
      const result = parse(body, { slabBytes: 16 }, 11);
      assert.equal(result.tables.length, 1);
      const table = primary(result);
      assert.deepEqual(
        table.columns.slice(9).map((column) => [column.name, column.type]),
        [
          ['TotalSize', 'long'],
          ['Created', 'datetime'],
          ['Retention', 'timespan'],
          ['Policies', 'dynamic'],
        ],
      );
      assert.equal(table.rows[0][0], 'Samples');
      assert.equal(table.rows[0][9], '12345678901234567890');
      assert.equal(table.rows[1][5], 'Contoso Sales');
      assert.deepEqual(parse(body), result);
    });

    it('names and classifies tables from the TableOfContents of a v1 query', () => {
      const result = parse(fixture('v1-query-with-toc.json'), {}, 9);
      assert.deepEqual(
        result.tables.map((table) => [table.kind, table.name]),
        [
          ['PrimaryResult', 'PrimaryResult'],
          ['QueryProperties', '@ExtendedProperties'],
          ['QueryCompletionInformation', 'QueryStatus'],
          ['TableOfContents', 'Table_3'],
        ],
      );
      assert.deepEqual(primary(result).rows, [
        ['TEXAS', 4701],
        ['KANSAS', 3166],
      ]);
      assert.equal(result.visualization?.type, 'columnchart');
      assert.equal(result.visualization?.properties.XColumn, 'State');
      assert.deepEqual(result.partialErrors, []);
    });
  });

  describe('errors in a 200 body', () => {
    it('turns a OneApi error object into a KustoBodyError with code, message and position', () => {
      const body = fixture('error-syntax-200-body.json');
      for (const chunkSize of [1, 4, body.length]) {
        assert.throws(
          () => parse(body, {}, chunkSize),
          (error: unknown) => {
            assert.ok(error instanceof KustoBodyError);
            assert.equal(error.info.code, 'SYN0002');
            assert.match(error.info.message, /A recognition error occurred/);
            // [line:position=1:9] of 'PerfTest take 5': `take` is the tenth character (positions are 0-based).
            assert.deepEqual(error.info.position, { line: 1, column: 10 });
            assert.equal(error.isQueryError, true);
            return true;
          },
        );
      }
    });
  });

  describe('malformed and truncated bodies', () => {
    it('rejects an empty body', () => {
      assert.match(formatError(() => parse(Buffer.alloc(0))).message, /empty/);
    });

    it('rejects a body that is not JSON, naming the byte', () => {
      const error = formatError(() => parse(Buffer.from('<html>Bad gateway</html>')));
      assert.equal(error.byteOffset, 0);
    });

    it('rejects a body cut off in the middle of the rows, at any cut', () => {
      const body = fixture('v2-all-types.json');
      const rowsAt = body.indexOf('"Rows":[[true');
      for (const cut of [rowsAt + 20, rowsAt + 200, body.length - 10]) {
        const error = formatError(() => parse(body.subarray(0, cut), { slabBytes: 64 }, 17));
        assert.match(error.reason, /ends before the JSON document is complete/);
        assert.equal(error.byteOffset, cut);
      }
    });

    it('points at the broken row of a long body', () => {
      const good = buildStormEventsV2Body(300);
      const brokenAt = good.indexOf('],[', Math.floor(good.length / 2)) + 1;
      const broken = Buffer.concat([good.subarray(0, brokenAt), Buffer.from('}'), good.subarray(brokenAt + 1)]);
      for (const batchBytes of [4096, 1 << 20]) {
        const error = formatError(() => parse(broken, { slabBytes: batchBytes }, 1000));
        assert.ok(Math.abs(error.byteOffset - brokenAt) < 1200, `offset ${error.byteOffset} should be near ${brokenAt}`);
      }
    });

    it('rejects data after the end of the document and rows that are not arrays', () => {
      const body = fixture('v2-progressive.json');
      assert.match(formatError(() => parse(Buffer.concat([body, Buffer.from(' x')]))).reason, /after the end/);
      const scalarRow = Buffer.from(
        '[{"FrameType":"DataTable","TableId":0,"TableKind":"PrimaryResult","TableName":"T","Columns":[],"Rows":[1,2]},{"FrameType":"DataSetCompletion","HasErrors":false}]',
      );
      assert.match(formatError(() => parse(scalarRow)).reason, /a row must be an array/);
    });
  });

  describe('rows kept as bytes and read on demand', () => {
    const frameWith = (rows: string): Buffer =>
      Buffer.from(
        `[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},` +
          `{"FrameType":"DataTable","TableId":0,"TableKind":"PrimaryResult","TableName":"T","Columns":[{"ColumnName":"A","ColumnType":"dynamic"}],"Rows":${rows}},` +
          `{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]`,
      );

    it('rejects while streaming any row JSON.parse would reject, naming the byte', () => {
      const cases: Array<[string, RegExp]> = [
        ['[[tru]]', /expected 'e' of 'true'/],
        ['[[1 2]]', /expected ',' or '\]'/],
        ['[[1,]]', /expected a value after ','/],
        ['[[01]]', /expected ',' or '\]'/],
        ['[[1.]]', /a number ends too early/],
        ['[[-]]', /a number ends too early/],
        ['[["a\\u00zz"]]', /four hex digits/],
        ['[["a\\qb"]]', /invalid escape/],
        ['[["tab\\there", "raw \t control"]]', /control character/],
        ['[[{"a" 1}]]', /expected ':'/],
        ['[[{"a":1,}]]', /expected a key/],
        ['[[1]}', /expected ',' or the end of the Rows array/],
        ['[[1],]', /expected a value after ','/],
      ];
      for (const [rows, reason] of cases) {
        const body = frameWith(rows);
        const error = formatError(() => parse(body, {}, 5));
        assert.match(error.reason, reason, rows);
        assert.ok(error.byteOffset > body.indexOf('"Rows":') && error.byteOffset < body.length, `${rows}: byte ${error.byteOffset}`);
        assert.throws(() => JSON.parse(body.toString('utf8')), SyntaxError, `${rows} is really invalid JSON`);
      }
    });

    it('accepts exactly the rows JSON.parse accepts, for thousands of one-byte edits, at any chunk size', () => {
      // A differential check of the rows grammar: edit one byte of valid rows (insert, delete or replace it with
      // a byte that matters to JSON) and compare with JSON.parse, the parser that reads the rows later.
      const valid = String.raw`[[-0.5e-3,1E+2,0,true,false,null,"a\\\"\/\b\u00e9 x",{},[],{"k":[{"x":{}}],"n":-12}],[ 1 , "two" , [3] ]]`;
      const bytes = '[]{}",:-+.0123456789eEtrufalsnFgG\\/ \t\n\r\u0000\u001f\u007fé';
      const random = createRandom(20261126);
      const pick = (count: number): number => Math.floor(random() * count);
      let accepted = 0;
      let rejected = 0;
      for (let trial = 0; trial < 3000; trial++) {
        const at = pick(valid.length);
        const edit = pick(3);
        const byte = bytes[pick(bytes.length)];
        const rows = edit === 0 ? valid.slice(0, at) + byte + valid.slice(at) : edit === 1 ? valid.slice(0, at) + valid.slice(at + 1) : valid.slice(0, at) + byte + valid.slice(at + 1);
        let expected: unknown;
        try {
          expected = JSON.parse(rows);
        } catch {
          expected = undefined;
        }
        // Elements that are not arrays (errors in place of rows) are covered elsewhere.
        if (expected !== undefined && !(Array.isArray(expected) && expected.every((row) => Array.isArray(row)))) {
          continue;
        }
        const body = frameWith(rows);
        const chunkSize = 1 + pick(40);
        if (expected === undefined) {
          // Rejected while the body streams in, before any row is read.
          const error = formatError(() => parseKustoResponseChunks(splitEvery(body, chunkSize)));
          assert.ok(error.byteOffset >= body.indexOf('"Rows":'), `${rows}: rejected at byte ${error.byteOffset}, inside the rows`);
          rejected++;
        } else {
          assert.deepEqual(primary(parse(body, {}, chunkSize)).rows, expected, rows);
          accepted++;
        }
      }
      assert.ok(accepted > 200 && rejected > 1000, `both outcomes were tried: ${accepted} accepted, ${rejected} rejected`);
    });

    it('reads rows across pieces of any size, up to a whole body in one chunk', () => {
      const body = buildStormEventsV2Body(1500);
      const expected = (JSON.parse(body.toString('utf8')) as Array<{ Rows?: unknown[][] }>)[2].Rows!;
      for (const chunkSize of [65_535, 65_536, 65_537, 200_000, body.length]) {
        assert.deepEqual(primary(parse(body, {}, chunkSize)).rows, expected, `chunks of ${chunkSize} bytes`);
      }
    });

    it('rejects rows nested deeper than the scanner follows, with a clear reason', () => {
      const depth = 70_000;
      const body = frameWith(`[[${'['.repeat(depth)}${']'.repeat(depth)}]]`);
      assert.match(formatError(() => parse(body, {}, 4096)).reason, /nests arrays and objects more than 65535 levels deep/);
      const deepButFine = frameWith(`[[${'['.repeat(1000)}${']'.repeat(1000)}]]`);
      assert.equal(primary(parse(deepButFine)).rows.length, 1);
    });

    it('accepts every valid value shape JSON allows', () => {
      const rows = String.raw`[ [ -0.5e-3 , 1E+2 , 0 , true , false , null , "\\\"\/\b\f\n\r\t\u00e9" , { } , [ ] , {"k":[{"x":{}}]} ] ]`;
      const body = frameWith(rows);
      const result = parse(body, {}, 1);
      assert.deepEqual(primary(result).rows, JSON.parse(rows));
    });

    it('reads any row or page of a large result without reading the rest, across memory slabs', () => {
      const body = buildStormEventsV2Body(3000);
      const expected = (JSON.parse(body.toString('utf8')) as Array<{ Rows?: unknown[][] }>)[2].Rows!;
      const result = parseKustoResponseChunks(splitEvery(body, 4096), { slabBytes: 10_000 });
      const rows = result.tables.find((table) => table.kind === 'PrimaryResult')!.rows;
      assert.equal(rows.length, 3000);
      assert.deepEqual(rows.at(0), expected[0]);
      assert.deepEqual(rows.at(2999), expected[2999]);
      assert.deepEqual(rows.slice(1234, 1334), expected.slice(1234, 1334));
      assert.deepEqual(rows.slice(2990, 5000), expected.slice(2990), 'a slice is clipped to the table');
      assert.deepEqual(rows.slice(-5, 2), expected.slice(0, 2));
      assert.deepEqual([...rows], expected);
      for (let column = 0; column < expected[0].length; column++) {
        assert.deepEqual(rows.column(column), expected.map((row) => row[column]), `column ${column}`);
      }
      assert.throws(() => rows.at(3000), /Row 3000 does not exist: the table has 3000 rows/);
      assert.throws(() => rows.at(-1), RangeError);
    });

    it('skips errors written between rows when reading rows, and reports them', () => {
      const body = frameWith('[[1],{"OneApiErrors":[{"error":{"code":"LimitsExceeded","message":"Too many rows"}}]},[2],[3]]');
      for (const chunkSize of [1, 7, body.length]) {
        const result = parseKustoResponseChunks(splitEvery(body, chunkSize), { slabBytes: 8 });
        const rows = result.tables.find((table) => table.kind === 'PrimaryResult')!.rows;
        assert.deepEqual([...rows], [[1], [2], [3]]);
        assert.deepEqual(rows.at(1), [2]);
        assert.deepEqual(rows.slice(0, 2), [[1], [2]]);
        assert.deepEqual(result.partialErrors.map((error) => error.code), ['LimitsExceeded']);
      }
    });
  });

  it('reports rows as they arrive', () => {
    const body = buildStormEventsV2Body(2000);
    const seen: number[] = [];
    const result = parse(body, { slabBytes: 64 * 1024, onRowsReceived: (count) => seen.push(count) }, 16 * 1024);
    assert.equal(primary(result).rows.length, 2000);
    assert.ok(seen.length > 5, `several progress reports, got ${seen.length}`);
    assert.ok(seen.every((count, index) => index === 0 || count > seen[index - 1]));
    assert.equal(seen[seen.length - 1], 2000 + 1 + 1, 'every row of every table is counted');
  });

  it('parses a large StormEvents body the same way in fast batches and in one go', () => {
    const body = buildStormEventsV2Body(5000);
    const expected = JSON.parse(body.toString('utf8')) as Array<{ Rows?: unknown[] }>;
    const result = parse(body, { slabBytes: 256 * 1024 }, 64 * 1024);
    assert.deepEqual(primary(result).rows, expected[2].Rows);
    assert.equal(result.statistics?.resultRowCount, 5000);
  });
});
