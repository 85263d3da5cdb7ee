// Display text of a Kusto cell. A stand-in until the Kusto client offers formatKustoValue (valueDecoding.ts);
// the results view, copy and CSV export all format through here so the grid, the filter and the files agree.

import type { KustoScalarType, KustoValue } from '../kusto/resultTypes';
import type { CellText } from '../../shared/resultsProtocol';

/** Formats one cell: datetime/timespan exactly as the server sent them, longs exact, dynamic as compact JSON. */
export function formatCell(type: KustoScalarType, value: KustoValue | undefined): CellText {
  if (value === null || value === undefined) {
    return null;
  }
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return JSON.stringify(value);
    default:
      // A shape the response parser should never produce; show something rather than fail the whole page.
      return type === 'dynamic' ? JSON.stringify(value) ?? String(value) : String(value);
  }
}

