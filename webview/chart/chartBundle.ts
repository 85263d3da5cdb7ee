// Entry of dist/webview/chart.js: Apache ECharts with only the modules the visualizations need, the canvas
// renderer for the panel and the SVG renderer for SVG export. Loaded by the page the first time it shows a
// chart, so a panel without a chart never pays for it. Puts its API on window.__kustoCharts.

import * as echarts from 'echarts/core';
import { BarChart, CustomChart, LineChart, PieChart, ScatterChart, TreemapChart } from 'echarts/charts';
import { DatasetComponent, DataZoomInsideComponent, DataZoomSliderComponent, GridComponent, LegendScrollComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import type { CardChartSpec, ChartSpec } from '../../src/shared/chartSpec';
import { CHART_GLOBAL, type ChartHandle, type ChartRenderer } from '../chartApi';
import { chartOption } from './chartOptions';
import { readChartTheme, watchTheme } from './chartTheme';

echarts.use([
  LineChart,
  BarChart,
  ScatterChart,
  PieChart,
  TreemapChart,
  CustomChart,
  GridComponent,
  DatasetComponent,
  TooltipComponent,
  LegendScrollComponent,
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  TitleComponent,
  CanvasRenderer,
  SVGRenderer,
]);

function base64ToBlob(base64: string, type: string): Blob {
  const bytes = atob(base64);
  const array = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) array[i] = bytes.charCodeAt(i);
  return new Blob([array], { type });
}

function drawCard(host: HTMLElement, spec: CardChartSpec): ChartHandle {
  const card = document.createElement('div');
  card.className = 'chart-card';
  const [headline, ...rest] = spec.fields;
  const value = document.createElement('div');
  value.className = 'chart-card-value';
  value.textContent = headline?.text ?? '';
  const title = document.createElement('div');
  title.className = 'chart-card-title';
  title.textContent = spec.title || headline?.name || '';
  card.append(value, title);
  if (rest.length) {
    const list = document.createElement('dl');
    list.className = 'chart-card-fields';
    for (const field of rest) {
      const term = document.createElement('dt');
      term.textContent = field.name;
      const detail = document.createElement('dd');
      detail.textContent = field.text;
      list.append(term, detail);
    }
    card.append(list);
  }
  host.replaceChildren(card);
  const unsupported = (): never => {
    throw new Error('A card is text: copy its value instead of exporting an image.');
  };
  return { update: () => undefined, resize: () => undefined, retheme: () => undefined, image: unsupported, pngBlob: unsupported, dispose: () => card.remove() };
}

type DrawnSpec = Exclude<ChartSpec, { shape: 'card' | 'table' }>;

/** What a drawn host holds: its chart (kept for the next draw: init is a good part of a small chart's cost). */
const drawn = new WeakMap<HTMLElement, { chart: echarts.ECharts; stop(): void }>();

/** The x window a sampled chart is zoomed to (undefined when it shows everything). */
function zoomWindow(chart: echarts.ECharts, spec: ChartSpec): readonly [number, number] | undefined {
  if (spec.shape !== 'cartesian' || !spec.sampling) return undefined;
  const zoom = (chart.getOption() as { dataZoom?: { start?: number; end?: number }[] }).dataZoom?.[0];
  const start = zoom?.start ?? 0;
  const end = zoom?.end ?? 100;
  if (start <= 0 && end >= 100) return undefined;
  const [min, max] = spec.sampling.extent;
  return [min + ((max - min) * start) / 100, min + ((max - min) * end) / 100];
}

function draw(host: HTMLElement, firstSpec: ChartSpec, onTooltip?: (text: string) => void, onZoom?: (window: readonly [number, number] | undefined) => void): ChartHandle {
  const previous = drawn.get(host);
  previous?.stop();
  if (firstSpec.shape === 'card' || firstSpec.shape === 'table') {
    previous?.chart.dispose();
    drawn.delete(host);
    if (firstSpec.shape === 'table') throw new Error('A table visualization is shown as the table.');
    return drawCard(host, firstSpec);
  }
  let spec: DrawnSpec = firstSpec;
  if (!previous) host.replaceChildren();
  const chart = previous && !previous.chart.isDisposed() ? previous.chart : echarts.init(host, undefined, { renderer: 'canvas' });
  let theme = readChartTheme();
  chart.setOption(chartOption(spec, theme, false, onTooltip), { notMerge: true });
  chart.off('datazoom');
  if (onZoom) chart.on('datazoom', () => onZoom(zoomWindow(chart, spec)));
  // Only a real change of size redraws: the observer's first report, and the panel's view being rebuilt around
  // the chart (hidden, then shown at the same size), would each redraw the whole chart for nothing.
  const resizeObserver = new ResizeObserver((entries) => {
    const box = entries[entries.length - 1]?.contentRect;
    if (!box || box.width === 0 || box.height === 0) return;
    if (Math.round(box.width) === chart.getWidth() && Math.round(box.height) === chart.getHeight()) return;
    chart.resize();
  });
  resizeObserver.observe(host);
  const retheme = (): void => {
    theme = readChartTheme();
    chart.setOption(chartOption(spec, theme, false, onTooltip), { notMerge: true });
  };
  const stopWatching = watchTheme(retheme);
  const stop = (): void => {
    stopWatching();
    resizeObserver.disconnect();
  };
  drawn.set(host, { chart, stop });
  const png = (): string => chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: theme.background }).replace(/^data:image\/png;base64,/, '');
  return {
    update: (next) => {
      if (next.shape === 'card' || next.shape === 'table') return;
      spec = next;
      // Series and their data replaced; zoom, legend choices and axes merged (kept).
      chart.setOption(chartOption(spec, theme, false, onTooltip), { replaceMerge: ['dataset', 'series'] });
    },
    resize: () => chart.resize(),
    retheme,
    image: (format) => {
      if (format === 'png') return png();
      // SVG from a second, off-screen instance with the SVG renderer (server-side-rendering mode: no DOM).
      const svgChart = echarts.init(null, undefined, { renderer: 'svg', ssr: true, width: chart.getWidth(), height: chart.getHeight() });
      try {
        svgChart.setOption(chartOption(spec, theme, true));
        return svgChart.renderToSVGString();
      } finally {
        svgChart.dispose();
      }
    },
    pngBlob: () => base64ToBlob(png(), 'image/png'),
    dispose: () => {
      stop();
      if (drawn.get(host)?.chart === chart) drawn.delete(host);
      chart.dispose();
    },
  };
}

const renderer: ChartRenderer = { draw };
(window as unknown as Record<string, ChartRenderer>)[CHART_GLOBAL] = renderer;
