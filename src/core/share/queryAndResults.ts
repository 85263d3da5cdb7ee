// "Copy Query and Results", as Kusto.Explorer does: the query, its connection and the shown rows, once as HTML
// (a table that pastes into mail and documents) and once as Markdown (readable as plain text). Every cell and
// the query are escaped for the format they go into.

import type { CellText } from '../../shared/resultsProtocol';

export interface SharedResults {
  readonly clusterUrl: string;
  readonly database: string;
  readonly queryText: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly CellText[])[];
  /** Rows in the view; more than `rows.length` when the copy was cut. */
  readonly totalRows: number;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A Markdown table cell: pipes and backslashes escaped, line breaks as <br> (a row is one line). */
export function markdownCell(text: CellText): string {
  if (text === null) return '';
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n|\r/g, '<br>');
}

function cutNote(shared: SharedResults): string {
  return shared.totalRows > shared.rows.length
    ? `First ${shared.rows.length.toLocaleString('en-US')} of ${shared.totalRows.toLocaleString('en-US')} rows.`
    : `${shared.totalRows.toLocaleString('en-US')} row${shared.totalRows === 1 ? '' : 's'}.`;
}

export function resultsAsHtml(shared: SharedResults): string {
  const cellStyle = 'border:1px solid #999;padding:2px 6px;text-align:left;vertical-align:top';
  const header = shared.columns.map((c) => `<th style="${cellStyle};background:#eee">${escapeHtml(c)}</th>`).join('');
  const body = shared.rows
    .map((row) => `<tr>${shared.columns.map((_, i) => `<td style="${cellStyle}">${escapeHtml(row[i] ?? '')}</td>`).join('')}</tr>`)
    .join('\n');
  return [
    '<div>',
    `<pre style="font-family:Consolas,monospace">${escapeHtml(shared.queryText)}</pre>`,
    `<p>Cluster: ${escapeHtml(shared.clusterUrl)} · Database: ${escapeHtml(shared.database)} · ${escapeHtml(cutNote(shared))}</p>`,
    `<table style="border-collapse:collapse;font-family:Segoe UI,sans-serif;font-size:10pt"><thead><tr>${header}</tr></thead><tbody>`,
    body,
    '</tbody></table>',
    '</div>',
  ].join('\n');
}

export function resultsAsMarkdown(shared: SharedResults): string {
  // A fence longer than any backtick run in the query, so the query cannot close it.
  const longestRun = Math.max(0, ...(shared.queryText.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  const header = `| ${shared.columns.map((c) => markdownCell(c)).join(' | ')} |`;
  const rule = `| ${shared.columns.map(() => '---').join(' | ')} |`;
  const rows = shared.rows.map((row) => `| ${shared.columns.map((_, i) => markdownCell(row[i] ?? null)).join(' | ')} |`);
  return [
    `${fence}kql`,
    shared.queryText,
    fence,
    '',
    `Cluster: ${shared.clusterUrl} · Database: ${shared.database} · ${cutNote(shared)}`,
    '',
    header,
    rule,
    ...rows,
    '',
  ].join('\n');
}
