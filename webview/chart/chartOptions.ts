// A ChartSpec as ECharts options: axes, series, legend, x zoom, colours from the theme and tooltips that show
// each value as the grid does. Tooltips use richText (drawn on the canvas): ECharts' HTML tooltip sets inline
// styles, which the page's CSP (no 'unsafe-inline') blocks.

import type { ComposeOption } from 'echarts/core';
import type { BarSeriesOption, CustomSeriesOption, LineSeriesOption, PieSeriesOption, ScatterSeriesOption, TreemapSeriesOption } from 'echarts/charts';
import type {
  DatasetComponentOption,
  DataZoomComponentOption,
  GridComponentOption,
  LegendComponentOption,
  TitleComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import {
  chartValueText,
  exactTextAt,
  type CartesianChartSpec,
  type ChartAxisSpec,
  type ChartSeriesSpec,
  type ChartSpec,
  type LadderChartSpec,
  type PieChartSpec,
  type TreemapChartSpec,
} from '../../src/shared/chartSpec';
import type { ChartTheme } from './chartTheme';

export type ChartOption = ComposeOption<
  | LineSeriesOption
  | BarSeriesOption
  | ScatterSeriesOption
  | PieSeriesOption
  | TreemapSeriesOption
  | CustomSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | DataZoomComponentOption
  | DatasetComponentOption
  | TitleComponentOption
>;

/** Lines with more points than this are drawn sampled (LTTB) and without symbols; bars and points as "large". */
const LARGE = 2000;
const MAX_TOOLTIP_SERIES = 12;

interface TooltipParam {
  seriesIndex?: number;
  seriesName?: string;
  name?: string;
  value?: unknown;
  percent?: number;
  marker?: unknown;
  data?: unknown;
}

/** Told the text of each tooltip shown: the page mirrors it into a live region for screen readers. */
export type TooltipListener = (text: string) => void;

export function chartOption(spec: Exclude<ChartSpec, { shape: 'card' | 'table' }>, theme: ChartTheme, forExport = false, onTooltip: TooltipListener = () => undefined): ChartOption {
  const text = { color: theme.foreground, fontFamily: theme.fontFamily, fontSize: theme.fontSize };
  const common: ChartOption = {
    animation: false,
    useUTC: true,
    backgroundColor: forExport ? theme.background : 'transparent',
    color: [...theme.palette],
    textStyle: text,
    title: spec.title ? { text: spec.title, left: 'center', top: 4, textStyle: { ...text, fontSize: theme.fontSize + 3, fontWeight: 'bold' } } : undefined,
    tooltip: {
      renderMode: 'richText',
      confine: true,
      backgroundColor: theme.tooltipBackground,
      borderColor: theme.tooltipBorder,
      borderWidth: 1,
      textStyle: { ...text },
    },
  };
  const legend = (data?: string[]): LegendComponentOption | undefined =>
    spec.legend ? { type: 'scroll', bottom: 0, textStyle: text, pageTextStyle: text, inactiveColor: theme.muted, ...(data ? { data } : {}) } : undefined;
  const specific: ChartOption =
    spec.shape === 'pie'
      ? { ...pieOption(spec, theme), legend: legend() }
      : spec.shape === 'treemap'
        ? treemapOption(spec, theme)
        : spec.shape === 'ladder'
          ? ladderOption(spec, theme)
          : { ...cartesianOption(spec, theme), legend: legend() };
  const tooltip = { ...(common.tooltip as TooltipComponentOption), ...(specific.tooltip as TooltipComponentOption) };
  const format = tooltip.formatter;
  if (typeof format === 'function') {
    tooltip.formatter = ((params: never, ticket: never, callback: never) => {
      const text = format(params, ticket, callback);
      if (typeof text === 'string') onTooltip(text);
      return text;
    }) as typeof format;
  }
  return { ...common, ...specific, tooltip };
}

function axisCommon(theme: ChartTheme): Record<string, unknown> {
  return {
    axisLine: { lineStyle: { color: theme.muted } },
    axisTick: { lineStyle: { color: theme.muted } },
    axisLabel: { color: theme.foreground, fontFamily: theme.fontFamily, hideOverlap: true },
    splitLine: { lineStyle: { color: theme.gridLine } },
    nameTextStyle: { color: theme.muted, fontFamily: theme.fontFamily },
  };
}

function valueAxis(axis: ChartAxisSpec, theme: ChartTheme, extra: Record<string, unknown>): Record<string, unknown> {
  const base: Record<string, unknown> = { ...axisCommon(theme), name: axis.title, nameLocation: 'middle', ...extra };
  if (axis.format === 'category') {
    return { ...base, type: 'category', data: [...(axis.categories ?? [])], nameGap: 28 };
  }
  // Dates read as dates at every zoom level ("Jan 5", not "5"); times in UTC, as Kusto's are.
  const formatter =
    axis.format === 'timespan'
      ? (value: number) => chartValueText('timespan', value)
      : axis.format === 'datetime'
        ? { year: '{yyyy}', month: '{MMM} {yyyy}', day: '{MMM} {d}', hour: '{HH}:{mm}', minute: '{HH}:{mm}', second: '{HH}:{mm}:{ss}', millisecond: '{ss}.{SSS}' }
        : undefined;
  return {
    ...base,
    type: axis.format === 'datetime' ? 'time' : axis.scale === 'log' ? 'log' : 'value',
    scale: true,
    nameGap: axis.format === 'datetime' ? 28 : 48,
    ...(axis.min !== undefined ? { min: axis.min } : {}),
    ...(axis.max !== undefined ? { max: axis.max } : {}),
    ...(formatter ? { axisLabel: { ...(base.axisLabel as object), formatter } } : {}),
  };
}

function pointText(spec: CartesianChartSpec, series: ChartSeriesSpec, index: number): { x: string; y: string } {
  const yAxis = spec.y[series.axisIndex] ?? spec.y[0];
  return {
    x: exactTextAt(series.exactX, index) ?? chartValueText(spec.x.format, series.x[index], spec.x.categories),
    y: exactTextAt(series.exactY, index) ?? chartValueText(yAxis.format, series.y[index]),
  };
}

function cartesianOption(spec: CartesianChartSpec, theme: ChartTheme): ChartOption {
  const panels = spec.ysplit === 'panels' ? spec.y.length : 1;
  const top = spec.title ? 40 : 16;
  const bottom = spec.legend ? 64 : 40;
  const grids: GridComponentOption[] = [];
  if (panels === 1) {
    grids.push({ top, bottom, left: 16, right: 24, outerBoundsMode: 'same', outerBoundsContain: 'all' });
  } else {
    // One grid per panel, stacked: percentages of the height (ECharts takes no calc()).
    const usable = 100 - (spec.legend ? 16 : 10) - (spec.title ? 8 : 3);
    const each = usable / panels;
    for (let p = 0; p < panels; p++) {
      grids.push({ top: `${(spec.title ? 8 : 3) + p * each}%`, height: `${each - 5}%`, left: 16, right: 24, outerBoundsMode: 'same', outerBoundsContain: 'all' });
    }
  }
  const xAxes = Array.from({ length: panels }, (_, p) =>
    valueAxis(spec.x, theme, { gridIndex: p, ...(spec.x.format === 'category' ? {} : { scale: spec.x.format !== 'number' || spec.x.scale === 'log' ? undefined : true }) }),
  );
  const yAxes = spec.y.map((axis, i) =>
    valueAxis(axis, theme, {
      gridIndex: panels > 1 ? i : 0,
      ...(spec.ysplit === 'axes' && i > 0 ? { position: i % 2 ? 'right' : 'left', offset: Math.floor((i - 1) / 2) * 56, splitLine: { show: false } } : {}),
    }),
  );
  const category = (axes: Record<string, unknown>[]) => axes.map((a) => ({ ...a }));
  const series = spec.series.map((s, index) => cartesianSeries(spec, s, index, panels));
  const zoomAxes = Array.from({ length: panels }, (_, p) => p);
  return {
    grid: grids,
    xAxis: (spec.horizontal ? category(yAxes) : category(xAxes)) as ChartOption['xAxis'],
    yAxis: (spec.horizontal ? category(xAxes) : category(yAxes)) as ChartOption['yAxis'],
    dataZoom: [
      { type: 'inside', ...(spec.horizontal ? { yAxisIndex: zoomAxes } : { xAxisIndex: zoomAxes }), filterMode: 'none' },
      ...(spec.horizontal ? [] : [{ type: 'slider' as const, xAxisIndex: zoomAxes, height: 16, bottom: spec.legend ? 30 : 6, filterMode: 'none' as const, textStyle: { color: theme.muted }, borderColor: theme.gridLine }]),
    ],
    dataset: seriesDatasets(spec),
    series,
    tooltip: {
      trigger: spec.series.some((s) => s.draw === 'scatter' && !s.anomaly) || spec.x.format === 'category' ? 'item' : 'axis',
      renderMode: 'richText',
      confine: true,
      backgroundColor: theme.tooltipBackground,
      borderColor: theme.tooltipBorder,
      textStyle: { color: theme.foreground, fontFamily: theme.fontFamily, fontSize: theme.fontSize },
      axisPointer: { type: 'line', lineStyle: { color: theme.muted } },
      formatter: (raw: unknown) => cartesianTooltip(spec, Array.isArray(raw) ? (raw as TooltipParam[]) : [raw as TooltipParam]),
    },
  };
}

/** 0, 1, 2, … n-1, shared by every series of that length: each point's index, for its exact tooltip text. */
const indexColumns = new Map<number, number[]>();
function indexColumn(length: number): number[] {
  let column = indexColumns.get(length);
  if (!column) {
    column = Array.from({ length }, (_, i) => i);
    indexColumns.clear();
    indexColumns.set(length, column);
  }
  return column;
}

/** One dataset per series, column-oriented (x, y and point index as arrays): no array per point to allocate. */
function seriesDatasets(spec: CartesianChartSpec): DatasetComponentOption[] {
  return spec.series.map((s) => ({
    dimensions: ['x', 'y', 'i'],
    source: { x: s.x as number[], y: s.y as (number | null)[], i: indexColumn(s.x.length) },
  }));
}

function cartesianSeries(spec: CartesianChartSpec, s: ChartSeriesSpec, index: number, panels: number): LineSeriesOption | BarSeriesOption | ScatterSeriesOption {
  const count = s.x.length;
  const axes = panels > 1 ? { xAxisIndex: s.axisIndex, yAxisIndex: s.axisIndex } : spec.horizontal ? { xAxisIndex: s.axisIndex } : { yAxisIndex: s.axisIndex };
  const stack = spec.stack !== 'none' && !s.anomaly ? `stack${s.axisIndex}` : undefined;
  const encode = spec.horizontal ? { x: 'y', y: 'x' } : { x: 'x', y: 'y' };
  const common = { id: `s${index}`, name: s.name, datasetIndex: index, encode, ...axes, emphasis: { focus: 'series' as const } };
  if (s.draw === 'scatter') {
    return {
      ...common,
      type: 'scatter',
      symbolSize: s.anomaly ? 9 : 6,
      large: count > LARGE,
      ...(s.anomaly ? { z: 5, itemStyle: { borderColor: '#000', borderWidth: 1 } } : {}),
    };
  }
  if (s.draw === 'bar') {
    return { ...common, type: 'bar', stack, large: count > LARGE, barMaxWidth: 48 };
  }
  return {
    ...common,
    type: 'line',
    stack,
    showSymbol: count <= 200,
    symbolSize: 4,
    sampling: count > LARGE ? 'lttb' : undefined,
    connectNulls: false,
    lineStyle: { width: 1.5 },
    ...(s.draw === 'area' ? { areaStyle: { opacity: spec.stack === 'none' ? 0.25 : 0.6 } } : {}),
  };
}

function cartesianTooltip(spec: CartesianChartSpec, params: readonly TooltipParam[]): string {
  const lines: string[] = [];
  let header: string | undefined;
  // Many series at one x: the largest values first, so the lines a person looks at are listed.
  const shown = params.length > MAX_TOOLTIP_SERIES ? [...params].sort((a, b) => yOf(b) - yOf(a)) : params;
  for (const param of shown.slice(0, MAX_TOOLTIP_SERIES)) {
    const series = spec.series[param.seriesIndex ?? -1];
    const value = param.value as readonly number[] | undefined;
    if (!series || !value) continue;
    const text = pointText(spec, series, value[2] ?? (param as { dataIndex?: number }).dataIndex ?? 0);
    header ??= `${spec.x.title}: ${text.x}`;
    lines.push(`${series.name}: ${text.y}`);
  }
  if (params.length > MAX_TOOLTIP_SERIES) lines.push(`… ${params.length - MAX_TOOLTIP_SERIES} more series`);
  return [header ?? '', ...lines].join('\n');
}

function yOf(param: TooltipParam): number {
  const value = param.value as readonly (number | null)[] | undefined;
  return value?.[1] ?? Number.NEGATIVE_INFINITY;
}

function pieOption(spec: PieChartSpec, theme: ChartTheme): ChartOption {
  return {
    series: [
      {
        type: 'pie',
        radius: ['0%', '58%'],
        center: ['50%', spec.title ? '52%' : '48%'],
        data: spec.slices.map((slice) => ({ name: slice.name, value: slice.value })),
        // Labels at the panel's edges, wrapped rather than cut: a narrow panel still names its slices.
        label: { show: spec.slices.length <= 24, formatter: '{b}', alignTo: 'edge', edgeDistance: 8, overflow: 'break', minMargin: 4, color: theme.foreground, textBorderWidth: 0 },
        emphasis: { focus: 'self' },
      },
    ],
    tooltip: {
      trigger: 'item',
      renderMode: 'richText',
      formatter: (raw: unknown) => {
        const param = raw as TooltipParam & { dataIndex?: number };
        const slice = spec.slices[param.dataIndex ?? -1];
        return slice ? `${spec.columns.x ?? ''}: ${slice.name}\n${spec.columns.y[0] ?? ''}: ${slice.text} (${(param.percent ?? 0).toFixed(1)}%)` : '';
      },
    },
  };
}

function treemapOption(spec: TreemapChartSpec, theme: ChartTheme): ChartOption {
  return {
    series: [
      {
        type: 'treemap',
        top: spec.title ? 36 : 8,
        bottom: 28,
        roam: false,
        nodeClick: 'zoomToNode',
        data: spec.roots as TreemapSeriesOption['data'],
        leafDepth: 2,
        breadcrumb: { itemStyle: { color: theme.tooltipBackground, textStyle: { color: theme.foreground } } },
        upperLabel: { show: true, height: 20, color: theme.foreground },
        levels: [{ itemStyle: { borderColor: theme.background, borderWidth: 2, gapWidth: 2 } }, { itemStyle: { borderColor: theme.gridLine, gapWidth: 1 } }],
      },
    ],
    tooltip: {
      trigger: 'item',
      renderMode: 'richText',
      formatter: (raw: unknown) => {
        const param = raw as TooltipParam & { treePathInfo?: { name: string }[] };
        const path = (param.treePathInfo ?? []).map((p) => p.name).filter((n) => n).join(' / ');
        return `${path}\n${spec.valueName}: ${String(param.value)}`;
      },
    },
  };
}

function ladderOption(spec: LadderChartSpec, theme: ChartTheme): ChartOption {
  const x: ChartAxisSpec = { title: spec.columns.x ?? '', format: spec.format, scale: 'linear' };
  const tooltip: TooltipComponentOption = {
    trigger: 'item',
    renderMode: 'richText',
    formatter: (raw: unknown) => {
      const bar = spec.bars[((raw as TooltipParam).value as number[] | undefined)?.[3] ?? -1];
      if (!bar) return '';
      return spec.instants ? `${spec.categories[bar.category]}\n${bar.startText}` : `${spec.categories[bar.category]}\n${bar.startText} → ${bar.endText}`;
    },
  };
  const data = spec.bars.map((bar, i) => [bar.start, bar.category, bar.end, i]);
  const series: ScatterSeriesOption | CustomSeriesOption = spec.instants
    ? { type: 'scatter', data, symbolSize: 7, large: data.length > LARGE, encode: { x: 0, y: 1 } }
    : {
        type: 'custom',
        data,
        encode: { x: [0, 2], y: 1 },
        renderItem: (_params, api) => {
          const category = api.value(1) as number;
          const from = api.coord([api.value(0), category]);
          const to = api.coord([api.value(2), category]);
          const size = api.size?.([0, 1]) as number[] | undefined;
          const height = Math.max(2, (size?.[1] ?? 10) * 0.6);
          return {
            type: 'rect',
            shape: { x: from[0], y: from[1] - height / 2, width: Math.max(1, to[0] - from[0]), height },
            style: { fill: theme.palette[category % theme.palette.length] },
          };
        },
      };
  return {
    grid: { top: spec.title ? 40 : 16, bottom: 44, left: 16, right: 24, outerBoundsMode: 'same', outerBoundsContain: 'all' },
    xAxis: valueAxis(x, theme, {}) as ChartOption['xAxis'],
    yAxis: valueAxis({ title: '', format: 'category', scale: 'linear', categories: spec.categories }, theme, { inverse: true }) as ChartOption['yAxis'],
    dataZoom: [
      { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
      { type: 'slider', xAxisIndex: 0, height: 16, bottom: 6, filterMode: 'none' },
    ],
    series: [series],
    tooltip,
  };
}
