// The `render` operator's properties as the v2 QueryProperties Visualization JSON sends them (column lists as
// comma-separated text, unset numbers as "NaN", names in PascalCase), read into one typed, normalized shape.
// Also the visualization of each result table of a batch, matched by TableId.

import type { KustoTable, Visualization } from '../kusto/resultTypes';
import { columnIndex, visualizationFrom } from '../kusto/v2Parser';
import { isChartKind, type ChartKind, type ChartRequest, type StackMode } from '../../shared/chartSpec';

export interface ChartSettings {
  readonly kind: ChartKind;
  readonly title?: string;
  readonly xColumn?: string;
  readonly yColumns?: readonly string[];
  readonly series?: readonly string[];
  readonly anomalyColumns?: readonly string[];
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly legend: boolean;
  readonly yMin?: number;
  readonly yMax?: number;
  readonly xLog: boolean;
  readonly yLog: boolean;
  readonly stack: StackMode;
  readonly ysplit: 'none' | 'axes' | 'panels';
  readonly accumulate: boolean;
}

/** Property names as Kusto sends them, looked up case-insensitively (clients differ in casing). */
function property(properties: Readonly<Record<string, unknown>>, name: string): unknown {
  if (name in properties) return properties[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(properties)) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed ? trimmed : undefined;
}

function columnList(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : text(value)?.split(',');
  const names = list?.map((name) => name.trim()).filter((name) => name.length > 0);
  return names && names.length > 0 ? names : undefined;
}

function finiteNumber(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : undefined;
}

/** Reads a Visualization into settings; an unknown visualization name is an error the user reads. */
export function chartSettingsFrom(visualization: Visualization): ChartSettings | { readonly error: string } {
  const kindName = visualization.type.trim().toLowerCase();
  if (!isChartKind(kindName)) {
    return { error: `"render ${visualization.type}" is not a visualization this extension knows; the table is shown.` };
  }
  const p = visualization.properties;
  const kindProperty = text(property(p, 'Kind'))?.toLowerCase();
  const stack: StackMode =
    kindName === 'stackedareachart' ? (kindProperty === 'stacked100' ? 'stacked100' : 'stacked') : kindProperty === 'stacked' || kindProperty === 'stacked100' ? kindProperty : 'none';
  const ysplitText = text(property(p, 'YSplit'))?.toLowerCase();
  const accumulate = property(p, 'Accumulate');
  return {
    kind: kindName,
    title: text(property(p, 'Title')),
    xColumn: text(property(p, 'XColumn')),
    yColumns: columnList(property(p, 'YColumns')),
    series: columnList(property(p, 'Series')),
    anomalyColumns: columnList(property(p, 'AnomalyColumns')),
    xTitle: text(property(p, 'XTitle')),
    yTitle: text(property(p, 'YTitle')),
    legend: text(property(p, 'Legend'))?.toLowerCase() !== 'hidden',
    yMin: finiteNumber(property(p, 'Ymin')),
    yMax: finiteNumber(property(p, 'Ymax')),
    xLog: text(property(p, 'XAxis'))?.toLowerCase() === 'log',
    yLog: text(property(p, 'YAxis'))?.toLowerCase() === 'log',
    stack,
    ysplit: ysplitText === 'axes' || ysplitText === 'panels' ? ysplitText : 'none',
    accumulate: accumulate === true || (typeof accumulate === 'string' && accumulate.toLowerCase() === 'true'),
  };
}

/** Settings for a chart the user picked (the Chart button), with every other property at its default. */
export function chartSettingsFromRequest(request: ChartRequest): ChartSettings {
  return {
    kind: request.kind,
    xColumn: request.x,
    yColumns: request.y && request.y.length > 0 ? request.y : undefined,
    series: request.series && request.series.length > 0 ? request.series : undefined,
    legend: true,
    xLog: false,
    yLog: false,
    stack: request.kind === 'stackedareachart' ? 'stacked' : 'none',
    ysplit: 'none',
    accumulate: false,
  };
}

/**
 * The visualization of each table of a v2 response, by TableId: the QueryProperties (@ExtendedProperties) rows
 * [TableId, "Visualization", JSON]. A batch with several `render`s has one row per result table.
 */
export function visualizationsByTableId(tables: readonly KustoTable[]): Map<number, Visualization> {
  const result = new Map<number, Visualization>();
  for (const table of tables) {
    if (table.kind !== 'QueryProperties') continue;
    const tableId = columnIndex(table, 'TableId');
    const key = columnIndex(table, 'Key');
    const value = columnIndex(table, 'Value');
    if (key < 0 || value < 0) continue;
    for (const row of table.rows) {
      if (row[key] !== 'Visualization') continue;
      const visualization = visualizationFrom(row[value]);
      const id = tableId >= 0 ? Number(row[tableId]) : Number.NaN;
      if (visualization && Number.isInteger(id) && !result.has(id)) result.set(id, visualization);
    }
  }
  return result;
}

/**
 * The visualization of each primary result, in order. Matched by TableId; a response whose ids do not match
 * (v1, or a server that numbers differently) gives its one visualization to the first result, as Kusto tools do.
 */
export function visualizationsOfResults(
  allTables: readonly KustoTable[],
  primaryResults: readonly KustoTable[],
  fallback: Visualization | undefined,
): (Visualization | undefined)[] {
  const byId = visualizationsByTableId(allTables);
  const matched = primaryResults.map((table) => byId.get(table.id));
  if (fallback && !matched.some((v) => v !== undefined) && primaryResults.length > 0) {
    matched[0] = fallback;
  }
  return matched;
}
