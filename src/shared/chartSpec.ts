// A chart as plain data: what the host's core builds from a result table and its `render` visualization, and
// what the chart view of the page draws. No vscode, no DOM: both sides import it (with chartValueText, so a
// tooltip shows a value exactly as the grid does).

/** Every visualization of Kusto's `render` operator. */
export const CHART_KINDS = [
  'timechart',
  'linechart',
  'areachart',
  'stackedareachart',
  'columnchart',
  'barchart',
  'piechart',
  'scatterchart',
  'anomalychart',
  'card',
  'table',
  'ladderchart',
  'timepivot',
  'pivotchart',
  'treemap',
] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

export function isChartKind(value: unknown): value is ChartKind {
  return typeof value === 'string' && (CHART_KINDS as readonly string[]).includes(value);
}

/** How the numbers of an axis read: datetime = ms since the epoch, timespan = ms, category = index into categories. */
export type ValueFormat = 'datetime' | 'timespan' | 'number' | 'category';

export interface ChartAxisSpec {
  readonly title: string;
  readonly format: ValueFormat;
  readonly scale: 'linear' | 'log';
  readonly min?: number;
  readonly max?: number;
  /** Labels of a category axis, in order (the values on it are indices). */
  readonly categories?: readonly string[];
}

/**
 * Exact text for the points whose number is not the value the grid shows (longs beyond 2^53, datetimes with
 * 100 ns digits, decimals, stacked100 percentages): [point index, text] pairs, sparse.
 */
export type ExactTexts = readonly (readonly [number, string])[];

export interface ChartSeriesSpec {
  readonly name: string;
  /** How the series is drawn; anomalies are points over their line. */
  readonly draw: 'line' | 'area' | 'bar' | 'scatter';
  /** Which y axis (ysplit=axes) or panel (ysplit=panels) it belongs to; 0 otherwise. */
  readonly axisIndex: number;
  readonly x: readonly number[];
  readonly y: readonly (number | null)[];
  readonly exactX?: ExactTexts;
  readonly exactY?: ExactTexts;
  readonly anomaly?: boolean;
  /** In a message: x is the same as series `xSameAs`'s (sent once); see packChartSpec. */
  readonly xSameAs?: number;
  /** In a message: x is evenly spaced (binned time), sent as its first value, step and count. */
  readonly xRange?: { readonly start: number; readonly step: number; readonly count: number };
}

export type StackMode = 'none' | 'stacked' | 'stacked100';

/** What the user asked for (or the guess): the columns each role took, for the picker. */
export interface ChartColumnChoice {
  readonly x?: string;
  readonly y: readonly string[];
  readonly series: readonly string[];
}

interface ChartCommon {
  readonly kind: ChartKind;
  readonly title: string;
  readonly legend: boolean;
  readonly columns: ChartColumnChoice;
  /** Why part of the data is not drawn (e.g. rows whose x is empty); shown under the chart. */
  readonly notes?: readonly string[];
}

export interface CartesianChartSpec extends ChartCommon {
  readonly shape: 'cartesian';
  /** barchart draws horizontal strips: the x axis is vertical. */
  readonly horizontal: boolean;
  readonly stack: StackMode;
  readonly ysplit: 'none' | 'axes' | 'panels';
  readonly x: ChartAxisSpec;
  /** One y axis, or one per axisIndex when ysplit is axes or panels. */
  readonly y: readonly ChartAxisSpec[];
  readonly series: readonly ChartSeriesSpec[];
  /** Set when large series were sampled for the page (see chartSampling.ts): the page asks again on zoom. */
  readonly sampling?: {
    readonly totalPoints: number;
    readonly sentPoints: number;
    /** The x range of all points, sampled or not. */
    readonly extent: readonly [number, number];
    /** The x window sampled finely, when the page asked for one. */
    readonly window?: readonly [number, number];
  };
}

export interface PieChartSpec extends ChartCommon {
  readonly shape: 'pie';
  readonly slices: readonly { readonly name: string; readonly value: number; readonly text: string }[];
}

export interface CardChartSpec extends ChartCommon {
  readonly shape: 'card';
  readonly fields: readonly { readonly name: string; readonly text: string }[];
}

export interface LadderChartSpec extends ChartCommon {
  readonly shape: 'ladder';
  readonly categories: readonly string[];
  readonly bars: readonly { readonly category: number; readonly start: number; readonly end: number; readonly startText: string; readonly endText: string }[];
  /** timepivot: each record is an instant (a dot), not a span. */
  readonly instants: boolean;
  /** How start and end read on the x axis. */
  readonly format: ValueFormat;
}

export interface TreemapNode {
  readonly name: string;
  readonly value: number;
  readonly children?: readonly TreemapNode[];
}

export interface TreemapChartSpec extends ChartCommon {
  readonly shape: 'treemap';
  readonly valueName: string;
  readonly roots: readonly TreemapNode[];
}

/** `render table`: the table is the visualization. */
export interface TableChartSpec extends ChartCommon {
  readonly shape: 'table';
}

export type ChartSpec = CartesianChartSpec | PieChartSpec | CardChartSpec | LadderChartSpec | TreemapChartSpec | TableChartSpec;

/** What the user picked in the Chart picker: a visualization type and the columns for each role. */
export interface ChartRequest {
  readonly kind: ChartKind;
  readonly x?: string;
  readonly y?: readonly string[];
  readonly series?: readonly string[];
}

/**
 * The spec as sent to the page: series whose x values equal an earlier series' (several y columns over the same
 * rows) send them once, which takes a third off a timechart of three numeric columns. unpackChartSpec undoes it.
 */
export function packChartSpec(spec: ChartSpec): ChartSpec {
  if (spec.shape !== 'cartesian') return spec;
  const series = spec.series.map((s, index) => {
    for (let earlier = 0; earlier < index; earlier++) {
      const other = spec.series[earlier];
      if (other.xSameAs === undefined && sameNumbers(other.x, s.x) && sameTexts(other.exactX, s.exactX)) {
        const { exactX: _exactX, ...rest } = s;
        return { ...rest, x: [], xSameAs: earlier };
      }
    }
    const range = evenlySpaced(s.x);
    return range ? { ...s, x: [], xRange: range } : s;
  });
  return { ...spec, series };
}

/** start + i × step for every i, exactly (binned time is); undefined otherwise or when too short to matter. */
function evenlySpaced(x: readonly number[]): { start: number; step: number; count: number } | undefined {
  if (x.length < 16) return undefined;
  const start = x[0];
  const step = x[1] - x[0];
  for (let i = 2; i < x.length; i++) if (x[i] !== start + i * step) return undefined;
  return { start, step, count: x.length };
}

export function unpackChartSpec(spec: ChartSpec): ChartSpec {
  if (spec.shape !== 'cartesian' || !spec.series.some((s) => s.xSameAs !== undefined || s.xRange !== undefined)) return spec;
  const expanded = spec.series.map((s) => {
    if (!s.xRange) return s;
    const { start, step, count } = s.xRange;
    const x = new Array<number>(count);
    for (let i = 0; i < count; i++) x[i] = start + i * step;
    const { xRange: _xRange, ...rest } = s;
    return { ...rest, x };
  });
  const series = expanded.map((s) => {
    if (s.xSameAs === undefined) return s;
    const source = expanded[s.xSameAs];
    const { xSameAs: _xSameAs, ...rest } = s;
    return source && source.xSameAs === undefined ? { ...rest, x: source.x, ...(source.exactX ? { exactX: source.exactX } : {}) } : rest;
  });
  return { ...spec, series };
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameTexts(a: ExactTexts | undefined, b: ExactTexts | undefined): boolean {
  if (!a?.length || !b?.length) return !a?.length && !b?.length;
  return a.length === b.length && a.every((pair, i) => pair[0] === b[i][0] && pair[1] === b[i][1]);
}

/** The datetime text the grid shows for a whole-millisecond instant: Kusto's 7 fractional digits. */
export function datetimeText(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, -1)}0000Z`;
}

/** Kusto's timespan text `[-][d.]hh:mm:ss[.fffffff]` of milliseconds. */
export function timespanText(milliseconds: number): string {
  if (!Number.isFinite(milliseconds)) return String(milliseconds);
  const negative = milliseconds < 0;
  let ticks = Math.round(Math.abs(milliseconds) * 10_000);
  const fractionTicks = ticks % 10_000_000;
  ticks = (ticks - fractionTicks) / 10_000_000;
  const seconds = ticks % 60;
  ticks = (ticks - seconds) / 60;
  const minutes = ticks % 60;
  ticks = (ticks - minutes) / 60;
  const hours = ticks % 24;
  const days = (ticks - hours) / 24;
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${negative ? '-' : ''}${days > 0 ? `${days}.` : ''}${two(hours)}:${two(minutes)}:${two(seconds)}${fractionTicks > 0 ? `.${String(fractionTicks).padStart(7, '0')}` : ''}`;
}

/** A value of an axis as the grid would show it (without an exact text, the number is exact). */
export function chartValueText(format: ValueFormat, value: number | null, categories?: readonly string[]): string {
  if (value === null || value === undefined) return 'null';
  switch (format) {
    case 'datetime':
      return datetimeText(value);
    case 'timespan':
      return timespanText(value);
    case 'category':
      return categories?.[value] ?? String(value);
    default:
      return String(value);
  }
}

/** The exact text of point `index` when the spec carries one (binary search: the pairs are in index order). */
export function exactTextAt(texts: ExactTexts | undefined, index: number): string | undefined {
  if (!texts || texts.length === 0) return undefined;
  let low = 0;
  let high = texts.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const at = texts[middle][0];
    if (at === index) return texts[middle][1];
    if (at < index) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

// ---- validation of what the page sends about charts ----

const MAX_COLUMN_NAME = 1024;
const MAX_CHART_COLUMNS = 64;

function columnNames(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_CHART_COLUMNS) return undefined;
  return value.every((v) => typeof v === 'string' && v.length <= MAX_COLUMN_NAME) ? (value as string[]) : undefined;
}

/** A well-formed ChartRequest from the page, or undefined. */
export function parseChartRequest(raw: unknown): ChartRequest | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  if (!isChartKind(r.kind)) return undefined;
  if (r.x !== undefined && r.x !== null && (typeof r.x !== 'string' || r.x.length > MAX_COLUMN_NAME)) return undefined;
  const y = columnNames(r.y);
  const series = columnNames(r.series);
  if (!y || !series) return undefined;
  return { kind: r.kind, ...(typeof r.x === 'string' && r.x ? { x: r.x } : {}), y, series };
}

export type ChartImageFormat = 'png' | 'svg';

/** Largest image the page may hand over to be saved (a 4K PNG at 2× is a few MB). */
export const MAX_CHART_IMAGE_CHARS = 64 * 1024 * 1024;

/** PNG as base64 (no data: prefix) or SVG text; anything else is refused. */
export function parseChartImage(format: unknown, data: unknown): { format: ChartImageFormat; data: string } | undefined {
  if (typeof data !== 'string' || data.length === 0 || data.length > MAX_CHART_IMAGE_CHARS) return undefined;
  if (format === 'png') return /^[A-Za-z0-9+/]+=*$/.test(data) ? { format, data } : undefined;
  if (format === 'svg') return /^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(data) ? { format, data } : undefined;
  return undefined;
}
