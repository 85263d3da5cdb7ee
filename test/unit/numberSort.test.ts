// Sorting by a numeric column moves typed keys through a merge sort of its own (numberSort.ts): it must give the
// order the comparator sort gives (values by number, ties in table order, NaN after values, nulls last, both
// directions), for rows read from bytes and from memory.

import * as assert from 'node:assert/strict';
import { rowsOf } from '../../src/core/kusto/kustoRows';
import { parseKustoResponseChunks } from '../../src/core/kusto/responseParser';
import type { KustoColumn, KustoRow, KustoTable } from '../../src/core/kusto/resultTypes';
import { ResultTable, stableSortRows } from '../../src/core/results/resultView';
import { runToEnd } from '../../src/core/results/slicedWork';
import { createRandom } from '../../src/localServers/kusto/sampleData';

const columns: KustoColumn[] = [
  { name: 'I', type: 'int' },
  { name: 'R', type: 'real' },
  { name: 'L', type: 'long' },
  { name: 'B', type: 'bool' },
];

const literals = ['0', '-0', '7', '-7', '3.5', '-3.5', '1e3', '0.1', '123456789012345', 'null', '"NaN"', '"Infinity"', '"-Infinity"', '2', '2', '2'];

function tableFromBytes(count: number, seed: number): KustoTable {
  const random = createRandom(seed);
  const pick = (): string => literals[Math.floor(random() * literals.length)];
  const rows: string[] = [];
  for (let index = 0; index < count; index++) rows.push(`[${pick()},${pick()},${pick()},${random() < 0.1 ? 'null' : random() < 0.5 ? 'true' : 'false'}]`);
  const body = Buffer.from(
    `[{"FrameType":"DataSetHeader","Version":"v2.0"},{"FrameType":"DataTable","TableId":0,"TableKind":"PrimaryResult","TableName":"T","Columns":${JSON.stringify(
      columns.map((c) => ({ ColumnName: c.name, ColumnType: c.type })),
    )},"Rows":[${rows.join(',')}]},{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]`,
  );
  return parseKustoResponseChunks([body]).tables[0];
}

/**
 * The order the comparator sort defines: by number, NaN after numbers, nulls last; ties in table order. A long
 * column takes only digit strings as numbers ("Infinity" is no long).
 */
function referenceOrder(rows: readonly KustoRow[], column: number, direction: 1 | -1): number[] {
  const rank = (value: unknown): number => {
    if (value === null || value === undefined) return 2;
    if (columns[column].type === 'long' && typeof value === 'string' && !/^-?\d+$/.test(value)) return 1;
    const number = typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : Number(value);
    return Number.isNaN(number) ? 1 : 0;
  };
  const key = (value: unknown): number => (typeof value === 'boolean' ? Number(value) : Number(value));
  return Array.from(
    runToEnd(
      stableSortRows(rows.length, (a, b) => {
        const ra = rank(rows[a][column]);
        const rb = rank(rows[b][column]);
        if (ra !== rb) return ra - rb;
        if (ra !== 0) return 0;
        const ka = key(rows[a][column]);
        const kb = key(rows[b][column]);
        return direction * (ka < kb ? -1 : ka > kb ? 1 : 0);
      }),
    ),
  );
}

describe('sort by a numeric column', () => {
  for (const source of ['bytes', 'memory'] as const) {
    it(`orders as the comparator sort does (rows from ${source}), both directions, every numeric type`, () => {
      const fromBytes = tableFromBytes(5000, source === 'bytes' ? 11 : 12);
      const plainRows = fromBytes.rows.slice(0, fromBytes.rows.length);
      const table: KustoTable = source === 'bytes' ? fromBytes : { ...fromBytes, rows: rowsOf(plainRows) };
      for (let column = 0; column < columns.length; column++) {
        for (const direction of ['asc', 'desc'] as const) {
          const view = new ResultTable(table).view({ sort: { columnIndex: column, direction } });
          const order = Array.from({ length: view.rowCount }, (_, position) => view.sourceRowIndex(position));
          assert.deepEqual(order, referenceOrder(plainRows, column, direction === 'asc' ? 1 : -1), `${columns[column].name} ${direction}`);
        }
      }
    });
  }
});
