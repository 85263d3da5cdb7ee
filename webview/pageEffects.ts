// Carries out what the page reducer decided: lays out the views, points the row cache and the grid at a view, shows
// the chart or the table, posts to the extension and keeps the timers (elapsed time, notices). It holds the DOM and
// the page's long-lived parts (grid, row cache, chart view) but no page state: that is the reducer's.

import type { NoticeMessage } from '../src/shared/resultsProtocol';
import { ChartView, loadChartRenderer } from './chartView';
import { formatCount } from './format';
import { VirtualGrid } from './grid';
import type { ChartShown, GridPlace, PageEffect, PageEvent, PageModel } from './pageState';
import { currentView, shownMeta } from './pageState';
import { el, emptyView, errorView, partialErrorsBanner, resultsHeader, runningView, showDetailDialog } from './pageViews';
import { PAGE_SIZE, RowCache } from './rowCache';
import { createButton, createTabs, createTextField, type TextFieldHandle } from './toolkit';
import { postToExtension, savePageState } from './vscodeApi';
import { workflowBanners, workflowButtons, writeRichClipboard } from './workflow';

/** How long the filter waits for the next keystroke before it asks for the view. */
const FILTER_DELAY_MS = 200;

type Dispatch = (event: PageEvent) => void;

export class ResultsPageEffects {
  readonly grid: VirtualGrid;
  private readonly cache: RowCache;
  private readonly chartView: ChartView;
  private runningTimer: number | undefined;
  private noticeTimer: number | undefined;
  private filterTimer: number | undefined;
  private saveTimer: number | undefined;
  private countLabel: HTMLElement | undefined;
  private searchField: TextFieldHandle | undefined;
  private gridHost: HTMLElement | undefined;
  private modeButtons: { table: HTMLElement; chart: HTMLElement } | undefined;
  private chartReason: HTMLElement | undefined;
  private statusElement: HTMLElement | undefined;
  private toolbarParts: { element: HTMLElement; controls: HTMLElement[] } | undefined;

  constructor(
    private readonly app: HTMLElement,
    private readonly dispatch: Dispatch,
    private readonly model: () => PageModel,
  ) {
    this.cache = new RowCache((view, requestId, start, count) => {
      const meta = shownMeta(this.model());
      if (meta) postToExtension({ type: 'requestRows', runId: meta.run.runId, requestId, view, start, count });
    });
    this.grid = new VirtualGrid(this.cache, {
      onSortRequested: (columnIndex) => dispatch({ type: 'sortRequested', columnIndex, place: this.gridPlace() }),
      onCellActivated: (position, columnIndex) => dispatch({ type: 'cellActivated', position, columnIndex }),
      onCopyCell: (text) => dispatch({ type: 'cellCopied', text }),
      onCopyRows: (ranges) => dispatch({ type: 'copyRowsRequested', ranges }),
      onViewStateChanged: () => this.schedulePlaceSave(),
    });
    this.chartView = new ChartView({
      post: (message) => postToExtension(message),
      notice: (message) => dispatch(message),
      showTable: (reason) => dispatch({ type: 'modeSelected', mode: 'table', reason }),
      requestChanged: (request) => dispatch({ type: 'chartRequestChanged', request }),
    });
  }

  /** Where the user is in the grid now (reads its scroll position: only when an event needs it). */
  gridPlace(): GridPlace {
    return { scrollTop: this.grid.scrollTop, scrollLeft: this.grid.scrollLeft, columnWidths: this.grid.columnWidths };
  }

  private schedulePlaceSave(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = window.setTimeout(() => {
      this.saveTimer = undefined;
      this.dispatch({ type: 'placeChanged', place: this.gridPlace() });
    }, 150);
  }

  apply(effect: PageEffect): void {
    switch (effect.kind) {
      case 'post':
        postToExtension(effect.message);
        break;
      case 'persist':
        savePageState(effect.state);
        break;
      case 'notice':
        this.showNotice(effect.notice);
        break;
      case 'showEmpty':
        this.stopRunningTimer();
        this.app.replaceChildren(emptyView());
        break;
      case 'showRunning':
        this.showRunning(effect);
        break;
      case 'showError': {
        this.stopRunningTimer();
        const runId = effect.run.runId;
        this.app.replaceChildren(errorView(effect.run, effect.error, (line, column) => this.dispatch({ type: 'positionRevealRequested', runId, line, column })));
        break;
      }
      case 'showResults':
        this.showResults(effect);
        break;
      case 'showHeader':
        this.app.querySelector('.results-header')?.replaceWith(resultsHeader(effect.meta, effect.activeTab));
        break;
      case 'showPartialErrors': {
        const banner = partialErrorsBanner(effect.meta);
        const shown = this.app.querySelector('.partial-errors');
        if (shown && banner) shown.replaceWith(banner);
        break;
      }
      case 'showFilterText':
        if (this.searchField) this.searchField.value = effect.filter;
        break;
      case 'showMode':
        this.showMode(effect.chart, effect.reason);
        break;
      case 'showCount':
        if (this.countLabel) this.countLabel.textContent = effect.text;
        break;
      case 'showDetail': {
        const row = this.cache.getRow(effect.position);
        if (!row) break;
        const onCopy = (text: string): void => this.dispatch({ type: 'textCopied', text });
        showDetailDialog(effect.column, effect.position, row[effect.columnIndex], onCopy, this.grid.element);
        break;
      }
      case 'loadTable':
        this.cache.setView(effect.view);
        this.grid.setTable(effect.columns, effect.rowCount, effect.sort, effect.columnWidths);
        break;
      case 'keepRows':
        this.cache.forgetFrom(effect.from);
        this.grid.setRowCount(effect.rowCount);
        break;
      case 'setRowCount':
        this.grid.setRowCount(effect.rowCount);
        break;
      case 'scrollGrid':
        this.grid.scrollTo(effect.top, effect.left);
        break;
      case 'fetchFirstPage':
        this.cache.ensure(0, PAGE_SIZE);
        break;
      case 'storeRows': {
        const rows = effect.rows;
        this.cache.accept(rows.requestId, rows.view, rows.start, rows.rows);
        break;
      }
      case 'renderGrid':
        this.grid.scheduleRender();
        break;
      case 'loadChartLibrary':
        void loadChartRenderer().catch(() => undefined);
        break;
      case 'offerChart':
        this.chartView.offer(effect.chart);
        break;
      case 'drawChart':
        void this.chartView.onChart(effect.chart);
        break;
      case 'writeClipboard':
        void writeRichClipboard(effect.content, (message, level) => this.dispatch({ type: 'notice', level, message }));
        break;
      default: {
        const unknown: never = effect;
        void unknown;
      }
    }
  }

  private stopRunningTimer(): void {
    if (this.runningTimer !== undefined) window.clearInterval(this.runningTimer);
    this.runningTimer = undefined;
  }

  private showRunning({ run }: Extract<PageEffect, { kind: 'showRunning' }>): void {
    this.stopRunningTimer();
    const { view, elapsed } = runningView(run, () => this.dispatch({ type: 'cancelRequested', runId: run.runId }));
    this.app.replaceChildren(view);
    const tick = (): void => {
      elapsed.textContent = `${((Date.now() - run.startedAt) / 1000).toFixed(1)} s`;
    };
    tick();
    this.runningTimer = window.setInterval(tick, 100);
  }

  private showResults({ meta, activeTab, filter }: Extract<PageEffect, { kind: 'showResults' }>): void {
    this.stopRunningTimer();
    const view = el('div', 'results');
    view.append(resultsHeader(meta, activeTab), ...workflowBanners(meta));
    const banner = partialErrorsBanner(meta);
    if (banner) view.append(banner);
    if (meta.tables.length === 0) {
      view.append(el('div', 'empty', 'The query returned no tables.'));
      this.app.replaceChildren(view);
      return;
    }
    if (meta.tables.length > 1) {
      const labels = meta.tables.map((t, i) => `${t.name || `Table ${i + 1}`} (${formatCount(t.rowCount)})`);
      view.append(createTabs(labels, activeTab, (index) => this.dispatch({ type: 'tabSelected', index, place: this.gridPlace() })));
    }
    const toolbar = this.toolbar(filter);
    view.append(toolbar);
    const gridHost = el('div', 'grid-host');
    gridHost.append(this.grid.element);
    this.gridHost = gridHost;
    this.chartReason = el('div', 'chart-reason');
    this.chartReason.setAttribute('role', 'alert');
    this.chartReason.hidden = true;
    this.statusElement = this.statusLine();
    // The chart view (and its chart instance) carries over to the next result: drawing into it is cheaper than anew.
    view.append(this.chartReason, gridHost, this.chartView.element, this.statusElement);
    this.app.replaceChildren(view);
    if (meta.streaming) {
      const searchField = this.searchField as TextFieldHandle;
      searchField.element.setAttribute('disabled', '');
      searchField.element.title = 'Filtering is available once all rows have arrived';
      for (const button of toolbar.querySelectorAll('vscode-button')) {
        if (button !== this.modeButtons?.table) button.setAttribute('disabled', '');
      }
      // Stopping keeps the rows already shown.
      const runId = meta.run.runId;
      const cancel = createButton({ label: 'Cancel', title: 'Stop receiving rows (the rows shown stay)', onClick: () => this.dispatch({ type: 'cancelRequested', runId }) });
      cancel.classList.add('cancel-button');
      toolbar.append(cancel);
    }
  }

  /**
   * The toolbar for a result: its own controls are made once and kept from result to result (making the toolkit's
   * components anew cost a good part of showing a small result); each result resets them.
   */
  private toolbar(filter: string): HTMLElement {
    const parts = (this.toolbarParts ??= this.buildToolbar());
    const searchField = this.searchField as TextFieldHandle;
    searchField.value = filter;
    searchField.element.removeAttribute('title');
    for (const control of parts.controls) control.removeAttribute('disabled');
    if (this.countLabel) this.countLabel.textContent = '';
    // A Cancel button of a streaming result before goes; the controls stay where they are (taking a toolkit
    // component out and back in costs as much as making it).
    const element = parts.element;
    while (element.childNodes.length > parts.controls.length) element.lastChild?.remove();
    return element;
  }

  private buildToolbar(): { element: HTMLElement; controls: HTMLElement[] } {
    const element = el('div', 'toolbar');
    this.searchField = createTextField({
      placeholder: 'Filter rows',
      ariaLabel: 'Filter rows (case-insensitive, any column)',
      value: '',
      onInput: (value) => {
        if (this.filterTimer !== undefined) window.clearTimeout(this.filterTimer);
        this.filterTimer = window.setTimeout(() => this.dispatch({ type: 'filterChanged', filter: value, place: this.gridPlace() }), FILTER_DELAY_MS);
      },
    });
    this.searchField.element.classList.add('search');
    this.countLabel = el('span', 'row-count');
    this.countLabel.setAttribute('aria-live', 'polite');
    const modeButtons = {
      table: createButton({ label: 'Table', title: 'Show the rows as a table', onClick: () => this.dispatch({ type: 'modeSelected', mode: 'table' }) }),
      chart: createButton({ label: 'Chart', title: 'Draw the rows as a chart (choose type and columns in Chart Options)', onClick: () => this.dispatch({ type: 'modeSelected', mode: 'chart' }) }),
    };
    modeButtons.table.classList.add('mode-button', 'mode-table');
    modeButtons.chart.classList.add('mode-button', 'mode-chart');
    this.modeButtons = modeButtons;
    const exportButton = (format: 'csv' | 'json', label: string, what: string): HTMLElement =>
      createButton({ label, title: `Save the whole result (sorted and filtered as shown) as ${what}`, onClick: () => this.dispatch({ type: 'exportRequested', format }) });
    const controls = [
      modeButtons.table,
      modeButtons.chart,
      this.searchField.element,
      this.countLabel,
      createButton({ label: 'Copy Rows', title: 'Copy the selected rows with a header line (Ctrl+Shift+C)', onClick: () => this.dispatch({ type: 'copyRowsRequested', ranges: this.grid.selection.selectedRanges }) }),
      exportButton('csv', 'Export CSV', 'CSV'),
      exportButton('json', 'Export JSON', 'JSON'),
      ...workflowButtons(
        () => shownMeta(this.model())?.run.runId,
        () => currentView(this.model()),
      ),
    ];
    element.append(...controls);
    return { element, controls };
  }

  /** Shows the active tab's chart or its table (a reason says why a chart fell back to the table). */
  private showMode(chart: ChartShown | undefined, reason: string | undefined): void {
    if (!this.gridHost) return;
    this.gridHost.hidden = chart !== undefined;
    this.chartView.element.hidden = chart === undefined;
    if (this.chartReason) {
      this.chartReason.hidden = !reason;
      this.chartReason.textContent = reason ? `The chart cannot be drawn: ${reason}` : '';
    }
    // The toolkit's button reflects its property to the attribute later, so set the property (the attribute alone
    // is overwritten by a pending reflection of the value it had when it connected).
    if (this.modeButtons) {
      (this.modeButtons.table as HTMLElement & { appearance: string }).appearance = chart ? 'secondary' : 'primary';
      (this.modeButtons.chart as HTMLElement & { appearance: string }).appearance = chart ? 'primary' : 'secondary';
    }
    if (chart) {
      this.chartView.show(chart.runId, chart.tableIndex, chart.columns, chart.title, chart.request, chart.openPicker, chart.chartFollows);
    } else {
      this.chartView.clear();
    }
  }

  private statusLine(): HTMLElement {
    const status = el('div', 'status');
    status.setAttribute('role', 'status');
    return status;
  }

  private showNotice(message: NoticeMessage): void {
    if (!this.statusElement || !this.statusElement.isConnected) {
      // Nowhere to show it inline (running or error view): add a transient line at the end.
      this.statusElement = this.statusLine();
      this.app.append(this.statusElement);
    }
    this.statusElement.textContent = message.message;
    this.statusElement.className = `status ${message.level}`;
    if (this.noticeTimer !== undefined) window.clearTimeout(this.noticeTimer);
    this.noticeTimer = window.setTimeout(() => {
      if (this.statusElement) this.statusElement.textContent = '';
    },  message.level === 'info' ? 5000 : 15000);
  }
}
