// The Chart view of a result tab: a small picker (type, x, y, series), the chart area and its export buttons.
// The extension builds the chart specification from the rows it keeps; this view asks for it and hands it to
// the chart bundle (dist/webview/chart.js), which it loads with the page's nonce the first time a chart is shown.

import { CHART_KINDS, isChartKind, unpackChartSpec, type ChartKind, type ChartRequest } from '../src/shared/chartSpec';
import type { ChartMessage, ColumnMeta, NoticeMessage, PageToExtensionMessage } from '../src/shared/resultsProtocol';
import type { ChartSpec } from '../src/shared/chartSpec';
import { CHART_GLOBAL, type ChartHandle, type ChartRenderer } from './chartApi';
import { createButton } from './toolkit';

export interface ChartViewHost {
  post(message: PageToExtensionMessage): void;
  notice(message: NoticeMessage): void;
  /** The table cannot be drawn as asked (or asked to be a table): show the table, with the reason if any. */
  showTable(reason?: string): void;
  /** The user picked a chart: remember it for the tab. */
  requestChanged(request: ChartRequest): void;
}

let rendererPromise: Promise<ChartRenderer> | undefined;

/** Loads the chart bundle once, as a script element carrying the page's CSP nonce. */
export function loadChartRenderer(): Promise<ChartRenderer> {
  rendererPromise ??= new Promise<ChartRenderer>((resolve, reject) => {
    const existing = (window as unknown as Record<string, ChartRenderer | undefined>)[CHART_GLOBAL];
    if (existing) return resolve(existing);
    const source = document.getElementById('app')?.dataset.chartScript ?? new URL('chart.js', (document.currentScript as HTMLScriptElement | null)?.src ?? document.baseURI).href;
    const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.content ?? '';
    const script = document.createElement('script');
    script.nonce = nonce;
    script.src = source;
    script.addEventListener('load', () => {
      const loaded = (window as unknown as Record<string, ChartRenderer | undefined>)[CHART_GLOBAL];
      if (loaded) resolve(loaded);
      else reject(new Error('The chart library loaded but did not start.'));
    });
    script.addEventListener('error', () => {
      rendererPromise = undefined;
      reject(new Error('The chart library could not be loaded.'));
    });
    document.head.append(script);
  });
  return rendererPromise;
}

const KIND_LABELS: Record<ChartKind, string> = {
  timechart: 'Time chart',
  linechart: 'Line chart',
  areachart: 'Area chart',
  stackedareachart: 'Stacked area chart',
  columnchart: 'Column chart',
  barchart: 'Bar chart',
  piechart: 'Pie chart',
  scatterchart: 'Scatter chart',
  anomalychart: 'Anomaly chart',
  card: 'Card',
  table: 'Table',
  ladderchart: 'Ladder chart',
  timepivot: 'Time pivot',
  pivotchart: 'Pivot chart',
  treemap: 'Treemap',
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

export class ChartView {
  readonly element = el('div', 'chart-view');
  private readonly bar = el('div', 'chart-bar');
  private readonly picker = el('div', 'chart-picker');
  private readonly area = el('div', 'chart-area');
  private readonly message = el('div', 'chart-message');
  private readonly notes = el('div', 'chart-notes');
  /** The tooltip's text for screen readers (the tooltip itself is drawn on the canvas). */
  private readonly tooltipText = el('div', 'chart-tooltip-text');
  private handle: ChartHandle | undefined;
  private requestId = 0;
  private current: { runId: string; tableIndex: number; columns: readonly ColumnMeta[]; title: string } | undefined;
  private shownRequest: ChartRequest | undefined;
  private exportButtons: HTMLElement[] = [];
  /** What the shown chart was asked with (a zoom asks for the same chart again with its window). */
  private askedRequest: ChartRequest | undefined;
  private zoomTimer: number | undefined;
  private zoomRequestId = -1;
  /** The chart the extension sent with the results (as the query rendered it), kept for a return to its tab. */
  private pushed: ChartMessage | undefined;
  /** Set while the shown table's chart is on its way unasked (see ResultsMetaMessage.chartFollows). */
  private awaitingPush: { runId: string; tableIndex: number } | undefined;

  constructor(private readonly host: ChartViewHost) {
    this.area.setAttribute('role', 'img');
    this.message.setAttribute('role', 'status');
    const customize = createButton({ label: 'Chart Options', title: 'Choose the chart type and the columns for x, y and series', onClick: () => this.togglePicker() });
    this.exportButtons = [
      createButton({ label: 'Export PNG', title: 'Save the chart as a PNG image', onClick: () => this.saveImage('png') }),
      createButton({ label: 'Export SVG', title: 'Save the chart as an SVG image', onClick: () => this.saveImage('svg') }),
      createButton({ label: 'Copy PNG', title: 'Copy the chart to the clipboard as a PNG image', onClick: () => void this.copyPng() }),
    ];
    this.bar.append(customize, ...this.exportButtons);
    this.picker.hidden = true;
    this.tooltipText.setAttribute('aria-live', 'polite');
    this.element.append(this.bar, this.picker, this.message, this.area, this.notes, this.tooltipText);
  }

  /** Asks the extension for the chart of a table: as the query rendered it (or the guess), or as picked. */
  show(runId: string, tableIndex: number, columns: readonly ColumnMeta[], title: string, request?: ChartRequest, openPicker = false, chartFollows = false): void {
    this.current = { runId, tableIndex, columns, title };
    this.picker.hidden = !openPicker;
    // A chart already shown stays until the next one replaces it: a line of text above it would resize it (and a
    // resize redraws every point) twice, once coming and once going.
    if (!this.handle) this.message.textContent = 'Drawing the chart…';
    this.askedRequest = request;
    this.awaitingPush = undefined;
    const requestId = ++this.requestId;
    if (!request) {
      // The query's own chart came (or is coming) with the results: draw it without asking.
      const pushed = this.pushed;
      if (pushed && pushed.runId === runId && pushed.tableIndex === tableIndex) {
        void this.onChart({ ...pushed, requestId });
        return;
      }
      if (chartFollows && pushed?.runId !== runId) {
        this.awaitingPush = { runId, tableIndex };
        return;
      }
    }
    this.host.post({ type: 'requestChart', runId, tableIndex, requestId, ...(request ? { request } : {}) });
  }

  /** The chart the extension sent with the results, unasked: drawn now if its table is shown, else kept. */
  offer(message: ChartMessage): void {
    this.pushed = message;
    if (message.spec && message.spec.shape !== 'table' && message.spec.shape !== 'card') void loadChartRenderer().catch(() => undefined);
    const awaiting = this.awaitingPush;
    if (awaiting && awaiting.runId === message.runId && awaiting.tableIndex === message.tableIndex) {
      this.awaitingPush = undefined;
      void this.onChart({ ...message, requestId: this.requestId });
    }
  }

  /** A sampled chart was zoomed: ask for its points again, finely inside the window (debounced). */
  private onZoom(window: readonly [number, number] | undefined): void {
    if (this.zoomTimer !== undefined) clearTimeout(this.zoomTimer);
    this.zoomTimer = setTimeout(() => {
      this.zoomTimer = undefined;
      if (!this.current) return;
      this.zoomRequestId = ++this.requestId;
      const { runId, tableIndex } = this.current;
      this.host.post({
        type: 'requestChart',
        runId,
        tableIndex,
        requestId: this.zoomRequestId,
        ...(this.askedRequest ? { request: this.askedRequest } : {}),
        ...(window ? { xWindow: window } : {}),
      });
    }, 150);
  }

  async onChart(message: ChartMessage): Promise<void> {
    if (!this.current || message.requestId !== this.requestId || message.runId !== this.current.runId) return;
    // User Timing marks (cheap), so `npm run bench` can see when a chart arrived and when it was drawn.
    performance.mark('kusto-chart-received');
    this.shownRequest = message.request;
    this.buildPicker(message.request);
    if (message.error || !message.spec) {
      this.clear();
      this.message.textContent = message.error ?? 'This result cannot be drawn.';
      if (message.fromQuery) this.host.showTable(message.error);
      else this.picker.hidden = false;
      return;
    }
    const spec = unpackChartSpec(message.spec);
    if (message.requestId === this.zoomRequestId && this.handle) {
      this.handle.update(spec);
      this.notes.textContent = this.describe(spec);
      return;
    }
    if (spec.shape === 'table') {
      this.clear();
      this.host.showTable();
      return;
    }
    try {
      const renderer = await loadChartRenderer();
      if (message.requestId !== this.requestId) return;
      // The renderer reuses the chart it drew here before (no dispose in between).
      this.area.classList.toggle('card', spec.shape === 'card');
      this.handle = renderer.draw(
        this.area,
        spec,
        (text) => {
          this.tooltipText.textContent = text;
        },
        spec.shape === 'cartesian' && spec.sampling ? (window) => this.onZoom(window) : undefined,
      );
      this.element.dataset.chartKind = spec.kind;
      performance.mark('kusto-chart-drawn');
      this.message.textContent = '';
      this.notes.textContent = this.describe(spec);
      for (const button of this.exportButtons) button.toggleAttribute('disabled', spec.shape === 'card');
    } catch (error) {
      this.message.textContent = error instanceof Error ? error.message : String(error);
    }
  }

  private describe(spec: ChartSpec): string {
    const notes = [...(spec.notes ?? [])];
    if (spec.shape === 'cartesian' && spec.sampling) {
      const { totalPoints, sentPoints, window } = spec.sampling;
      notes.push(
        `${totalPoints.toLocaleString('en-US')} points, drawn from ${sentPoints.toLocaleString('en-US')} that keep the lines' shape${window ? ' (full detail in the zoomed range)' : '; zoom in for full detail'}.`,
      );
    }
    return notes.join(' ');
  }

  resize(): void {
    this.handle?.resize();
  }

  clear(): void {
    this.handle?.dispose();
    this.handle = undefined;
    this.notes.textContent = '';
    this.area.replaceChildren();
    delete this.element.dataset.chartKind;
  }

  private togglePicker(): void {
    this.picker.hidden = !this.picker.hidden;
  }

  private buildPicker(request: ChartRequest): void {
    const columns = this.current?.columns ?? [];
    const type = el('select', 'chart-type');
    type.setAttribute('aria-label', 'Chart type');
    for (const kind of CHART_KINDS) {
      const option = el('option', undefined, KIND_LABELS[kind]);
      option.value = kind;
      option.selected = kind === request.kind;
      type.append(option);
    }
    const x = el('select', 'chart-x');
    x.setAttribute('aria-label', 'x column');
    const automatic = el('option', undefined, '(automatic)');
    automatic.value = '';
    x.append(automatic);
    for (const column of columns) {
      const option = el('option', undefined, `${column.name} (${column.type})`);
      option.value = column.name;
      option.selected = column.name === request.x;
      x.append(option);
    }
    const checks = (role: string, chosen: readonly string[]): { element: HTMLElement; values(): string[] } => {
      const box = el('fieldset', `chart-columns chart-${role}`);
      box.append(el('legend', undefined, role));
      const inputs: HTMLInputElement[] = [];
      for (const column of columns) {
        const label = el('label');
        const input = el('input');
        input.type = 'checkbox';
        input.value = column.name;
        input.checked = chosen.includes(column.name);
        inputs.push(input);
        label.append(input, document.createTextNode(` ${column.name}`));
        box.append(label);
      }
      return { element: box, values: () => inputs.filter((i) => i.checked).map((i) => i.value) };
    };
    const y = checks('y', request.y ?? []);
    const series = checks('series', request.series ?? []);
    const apply = createButton({
      label: 'Draw',
      appearance: 'primary',
      onClick: () => {
        if (!this.current || !isChartKind(type.value)) return;
        const picked: ChartRequest = { kind: type.value, ...(x.value ? { x: x.value } : {}), y: y.values(), series: series.values() };
        this.host.requestChanged(picked);
        this.show(this.current.runId, this.current.tableIndex, this.current.columns, this.current.title, picked, true);
      },
    });
    const typeLabel = el('label', 'chart-field', 'Type ');
    typeLabel.append(type);
    const xLabel = el('label', 'chart-field', 'x ');
    xLabel.append(x);
    this.picker.replaceChildren(typeLabel, xLabel, y.element, series.element, apply);
  }

  private saveImage(format: 'png' | 'svg'): void {
    if (!this.handle) return;
    try {
      const data = this.handle.image(format);
      this.host.post({ type: 'saveChartImage', format, data, suggestedName: `${this.current?.title || 'chart'}-${this.shownRequest?.kind ?? 'chart'}` });
    } catch (error) {
      this.host.notice({ type: 'notice', level: 'warning', message: error instanceof Error ? error.message : String(error) });
    }
  }

  private async copyPng(): Promise<void> {
    if (!this.handle) return;
    try {
      const blob = this.handle.pngBlob();
      await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
      this.host.notice({ type: 'notice', level: 'info', message: 'Copied the chart as a PNG image.' });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.host.notice({ type: 'notice', level: 'warning', message: `This window does not allow copying images (${reason}); use Export PNG instead.` });
    }
  }
}
