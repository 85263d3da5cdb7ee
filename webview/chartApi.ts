// What the lazily loaded chart bundle (dist/webview/chart.js) offers the page. Types only, so the page's own
// bundle carries none of the charting library; the bundle puts its API on `window.__kustoCharts` when loaded.

import type { ChartSpec } from '../src/shared/chartSpec';

export interface ChartHandle {
  /** New data for the same chart (a zoom's finer sample), keeping the zoom and the legend's choices. */
  update(spec: ChartSpec): void;
  /** Fits the chart to its container again (after the panel is resized). */
  resize(): void;
  /** Redraws with the theme's current colours (VS Code changed theme). */
  retheme(): void;
  /** PNG as base64 (no data: prefix) or SVG text, drawn with the current theme's colours. */
  image(format: 'png' | 'svg'): string;
  /** The chart as a PNG blob, for the clipboard. */
  pngBlob(): Blob;
  dispose(): void;
}

export interface ChartRenderer {
  /** Draws `spec` into `host`; `onTooltip` hears the text of each tooltip shown (for a live region). */
  draw(host: HTMLElement, spec: ChartSpec, onTooltip?: (text: string) => void, onZoom?: (window: readonly [number, number] | undefined) => void): ChartHandle;
}

export const CHART_GLOBAL = '__kustoCharts';
