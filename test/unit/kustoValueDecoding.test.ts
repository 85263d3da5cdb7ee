import * as assert from 'node:assert/strict';
import { decodeValue, formatKustoValue, formatTimespanMs, normalizeColumnType, parseTimespanMs } from '../../src/core/kusto/valueDecoding';

describe('Kusto value decoding', () => {
  it('maps v2 and v1 (.NET) type names to Kusto scalar types', () => {
    assert.equal(normalizeColumnType('long'), 'long');
    assert.equal(normalizeColumnType(undefined, 'Int64'), 'long');
    assert.equal(normalizeColumnType(undefined, 'System.DateTime'), 'datetime');
    assert.equal(normalizeColumnType('', 'SByte'), 'bool');
    assert.equal(normalizeColumnType('Object'), 'dynamic');
    assert.equal(normalizeColumnType(undefined, 'TimeSpan'), 'timespan');
    assert.equal(normalizeColumnType('SqlDecimal'), 'decimal');
    assert.equal(normalizeColumnType('something-new'), 'string');
  });

  it('decodes datetimes to Dates that sort by time', () => {
    const early = decodeValue('datetime', '2007-01-01T00:00:00.1234567Z') as Date;
    const late = decodeValue('datetime', '2007-01-01T00:00:01Z') as Date;
    assert.ok(early instanceof Date);
    assert.equal(early.toISOString(), '2007-01-01T00:00:00.123Z');
    assert.ok(early < late);
    assert.equal(decodeValue('datetime', 'not a date'), 'not a date');
    assert.equal(decodeValue('datetime', null), null);
  });

  it('decodes timespans to milliseconds, including days, fractions and sign', () => {
    assert.equal(parseTimespanMs('00:00:01'), 1000);
    assert.equal(parseTimespanMs('1.02:03:04.5000000'), ((24 + 2) * 3600 + 3 * 60 + 4) * 1000 + 500);
    assert.equal(parseTimespanMs('-00:00:00.0010000'), -1);
    assert.equal(decodeValue('timespan', '00:00:00.0000001'), 0.0001);
    assert.equal(decodeValue('timespan', 'soon'), 'soon');
  });

  it('writes milliseconds back the way Kusto writes timespans', () => {
    assert.equal(formatTimespanMs(1000), '00:00:01');
    assert.equal(formatTimespanMs(parseTimespanMs('1.02:03:04.5000000') as number), '1.02:03:04.5000000');
    assert.equal(formatTimespanMs(-1), '-00:00:00.0010000');
    assert.equal(formatTimespanMs(0.0001), '00:00:00.0000001');
  });

  it('decodes longs beyond 2^53 to bigint and keeps safe ones as numbers', () => {
    assert.equal(decodeValue('long', '9007199254740993'), 9007199254740993n);
    assert.equal(decodeValue('long', '-9223372036854775808'), -9223372036854775808n);
    assert.equal(decodeValue('long', 42), 42);
    assert.ok((decodeValue('long', '9007199254740993') as bigint) > (decodeValue('long', 9007199254740991) as number));
  });

  it('decodes non-finite reals sent as strings, decimals, bools and dynamic JSON text', () => {
    assert.ok(Number.isNaN(decodeValue('real', 'NaN') as number));
    assert.equal(decodeValue('real', 'Infinity'), Number.POSITIVE_INFINITY);
    assert.equal(decodeValue('real', '-Infinity'), Number.NEGATIVE_INFINITY);
    assert.equal(decodeValue('decimal', '0.1'), 0.1);
    assert.equal(decodeValue('bool', 1), true);
    assert.equal(decodeValue('bool', 'False'), false);
    assert.deepEqual(decodeValue('dynamic', '{"a":[1,2]}'), { a: [1, 2] });
    assert.equal(decodeValue('dynamic', 'plain text'), 'plain text');
    assert.deepEqual(decodeValue('dynamic', { a: 1 }), { a: 1 });
  });

  it('formats cells for display with the server digits kept', () => {
    assert.equal(formatKustoValue('datetime', '2007-01-01T00:00:00.1234567Z'), '2007-01-01T00:00:00.1234567Z');
    assert.equal(formatKustoValue('timespan', '1.02:03:04.5000000'), '1.02:03:04.5000000');
    assert.equal(formatKustoValue('long', '9223372036854775807'), '9223372036854775807');
    assert.equal(formatKustoValue('long', 9223372036854775807n), '9223372036854775807');
    assert.equal(formatKustoValue('dynamic', { a: [1, { b: null }], s: 'x' }), '{"a":[1,{"b":null}],"s":"x"}');
    assert.equal(formatKustoValue('dynamic', [1, 2]), '[1,2]');
    assert.equal(formatKustoValue('bool', false), 'false');
    assert.equal(formatKustoValue('real', 0.30000000000000004), '0.30000000000000004');
    assert.equal(formatKustoValue('string', ''), '');
  });

  it('formats decoded values too, and leaves null for the UI to show', () => {
    assert.equal(formatKustoValue('datetime', new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6))), '2020-01-02T03:04:05.006Z');
    assert.equal(formatKustoValue('timespan', 90_061_000), '1.01:01:01');
    assert.equal(formatKustoValue('string', null), null);
    assert.equal(formatKustoValue('int', undefined), null);
  });
});
