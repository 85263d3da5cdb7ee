// Did a result hit Kusto's row or size limit? Kusto says so in a partial error (LimitsExceeded,
// E_QUERY_RESULT_SET_TOO_LARGE 0x80DA0003, "Query result set has exceeded the internal ... limit") and in a
// QueryCompletionInformation row; a result with exactly `truncationmaxrecords` rows has most likely been cut too.

import type { KustoResponse } from '../kusto/resultTypes';
import type { TruncationInfo } from '../../shared/resultsProtocol';

const TRUNCATION_TEXT = /E_QUERY_RESULT_SET_TOO_LARGE|80DA0003|result set has exceeded|exceed the set limit/i;

export function detectTruncation(response: KustoResponse, rowLimit?: number): TruncationInfo | undefined {
  for (const error of response.partialErrors) {
    if (TRUNCATION_TEXT.test(error.message) || TRUNCATION_TEXT.test(error.code)) {
      return { reason: `the server cut the result: ${error.message.replace(/\.+\s*$/, '')}` };
    }
  }
  for (const table of response.allTables) {
    if (table.kind !== 'QueryCompletionInformation') continue;
    const columns = table.columns.map((c) => c.name);
    const status = columns.indexOf('StatusCodeName');
    const payload = columns.indexOf('Payload');
    for (const row of table.rows) {
      if (status >= 0 && typeof row[status] === 'string' && TRUNCATION_TEXT.test(row[status] as string)) {
        const text = payload >= 0 && typeof row[payload] === 'string' ? payloadText(row[payload] as string) : undefined;
        return { reason: `the server cut the result${text ? `: ${text}` : ' (E_QUERY_RESULT_SET_TOO_LARGE)'}` };
      }
    }
  }
  if (rowLimit !== undefined && rowLimit > 0 && response.primaryResults.some((t) => t.rows.length === rowLimit)) {
    return { reason: `the result has exactly ${rowLimit.toLocaleString('en-US')} rows, the row limit (kusto.query.resultRowLimit)` };
  }
  return undefined;
}

/** `set notruncation;` before the query, unless it is already there. */
export function withoutTruncation(queryText: string): string {
  return /^\s*set\s+notruncation\s*;/im.test(queryText) ? queryText : `set notruncation;\n${queryText}`;
}

function payloadText(payload: string): string | undefined {
  try {
    const parsed = JSON.parse(payload) as { Text?: unknown };
    return typeof parsed.Text === 'string' ? parsed.Text : undefined;
  } catch {
    return undefined;
  }
}
