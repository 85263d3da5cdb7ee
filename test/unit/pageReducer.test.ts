import assert from 'node:assert/strict';
import type { ExtensionToPageMessage, ResultsMetaMessage, RowsMessage, RunInfo, TableMeta, ViewSpec } from '../../src/shared/resultsProtocol';
import { reducePage, type PageStep } from '../../webview/pageReducer';
import { currentView, initialPageModel, tabStateOf, type GridPlace, type PageEffect, type PageEvent, type PageModel } from '../../webview/pageState';

const place: GridPlace = { scrollTop: 0, scrollLeft: 0, columnWidths: [120, 90] };

function run(runId: string): RunInfo {
  return { runId, clusterUrl: 'https://help.kusto.windows.net', database: 'Samples', queryText: 'StormEvents | take 10', startedAt: 0 };
}

function table(rowCount: number, name = 'PrimaryResult'): TableMeta {
  return { name, kind: 'PrimaryResult', columns: [{ name: 'State', type: 'string' }, { name: 'Count', type: 'long' }], rowCount };
}

function results(runId: string, tables: TableMeta[], extra: Partial<ResultsMetaMessage> = {}): ResultsMetaMessage {
  return { type: 'resultsMeta', run: run(runId), endpoint: 'query', clientRequestId: 'KE.RunQuery;1', elapsedMs: 10, tables, partialErrors: [], ...extra };
}

function rows(runId: string, view: ViewSpec, totalRows: number, extra: Partial<RowsMessage> = {}): RowsMessage {
  return { type: 'rows', runId, requestId: 1, view, start: 0, totalRows, rows: [['Texas', '1']], ...extra };
}

/** Feeds the events one by one; the last step (model and the effects of the last event). */
function feed(model: PageModel, ...events: PageEvent[]): PageStep {
  let step: PageStep = { model, effects: [] };
  for (const event of events) step = reducePage(step.model, event);
  return step;
}

function effectsOf<K extends PageEffect['kind']>(step: PageStep, kind: K): Extract<PageEffect, { kind: K }>[] {
  return step.effects.filter((effect): effect is Extract<PageEffect, { kind: K }> => effect.kind === kind);
}

const fresh = (): PageModel => initialPageModel(undefined);

describe('results page reducer', () => {
  it('a new result replaces the one shown and starts without the old filter, sort or scroll', () => {
    const filtered = feed(
      fresh(),
      results('run-1', [table(500)]),
      { type: 'filterChanged', filter: 'texas', place },
      { type: 'sortRequested', columnIndex: 1, place },
    ).model;
    assert.deepEqual(currentView(filtered), { tableIndex: 0, sort: { columnIndex: 1, direction: 'asc' }, filter: 'texas' });

    const next = reducePage(filtered, results('run-2', [table(42)]));
    assert.equal(next.model.view.kind === 'results' && next.model.view.meta.run.runId, 'run-2');
    assert.deepEqual(currentView(next.model), { tableIndex: 0 }, 'the filter and sort of the old result are gone');
    assert.equal(effectsOf(next, 'showResults')[0].filter, '', 'the search box shows no filter');
    const load = effectsOf(next, 'loadTable')[0];
    assert.equal(load.rowCount, 42);
    assert.deepEqual(load.view, { tableIndex: 0 });
    assert.deepEqual(effectsOf(next, 'showCount').map((e) => e.text), ['42 rows']);
    assert.deepEqual(effectsOf(next, 'persist')[0].state, { runId: 'run-2', activeTab: 0, tabs: {} });
  });

  it('the same result posted again (the answer to "ready") does not lay the view out twice', () => {
    const shown = feed(fresh(), results('run-1', [table(500)])).model;
    const again = reducePage(shown, results('run-1', [table(500)]));
    assert.equal(again.model, shown);
    assert.deepEqual(again.effects, []);
  });

  it('streamed rows extend the count, and the settled result keeps the rows already shown', () => {
    const streaming = feed(fresh(), results('run-1', [table(100)], { streaming: true }));
    assert.deepEqual(effectsOf(streaming, 'showCount').map((e) => e.text), ['100 rows so far · receiving…']);

    const grown = reducePage(streaming.model, { type: 'streamRows', runId: 'run-1', rowCount: 250 });
    assert.equal(grown.model.shownRowCount, 250);
    assert.deepEqual(effectsOf(grown, 'keepRows'), [{ kind: 'keepRows', from: 100, rowCount: 250 }]);
    assert.deepEqual(effectsOf(grown, 'showCount').map((e) => e.text), ['250 rows so far · receiving…']);

    assert.deepEqual(reducePage(grown.model, { type: 'streamRows', runId: 'run-1', rowCount: 200 }).effects, [], 'a count that does not grow changes nothing');
    assert.deepEqual(reducePage(grown.model, { type: 'streamRows', runId: 'other', rowCount: 900 }).effects, [], 'another run changes nothing');

    const settled = reducePage(grown.model, results('run-1', [table(1000)]));
    assert.equal(settled.model.shownRowCount, 1000);
    assert.deepEqual(effectsOf(settled, 'loadTable'), [], 'the grid keeps its rows, scroll and selection');
    assert.deepEqual(effectsOf(settled, 'keepRows'), [{ kind: 'keepRows', from: 250, rowCount: 1000 }]);
    assert.deepEqual(effectsOf(settled, 'showCount').map((e) => e.text), ['1,000 rows']);
  });

  it('sorting waits until every row has arrived', () => {
    const streaming = feed(fresh(), results('run-1', [table(100)], { streaming: true })).model;
    const refused = reducePage(streaming, { type: 'sortRequested', columnIndex: 0, place });
    assert.deepEqual(currentView(refused.model), { tableIndex: 0 });
    assert.deepEqual(effectsOf(refused, 'notice').map((e) => e.notice.message), ['Sorting is available once all rows have arrived.']);
  });

  it('a newer filter supersedes an older one: late answers for the older filter change nothing', () => {
    const shown = feed(fresh(), results('run-1', [table(10_000)])).model;
    const first = reducePage(shown, { type: 'filterChanged', filter: 'tex', place });
    assert.deepEqual(effectsOf(first, 'showCount').map((e) => e.text), ['Filtering…']);
    const second = reducePage(first.model, { type: 'filterChanged', filter: 'texas', place }).model;
    const older: ViewSpec = { tableIndex: 0, filter: 'tex' };
    const newer: ViewSpec = { tableIndex: 0, filter: 'texas' };

    const lateRows = reducePage(second, rows('run-1', older, 700));
    assert.equal(lateRows.model, second);
    assert.deepEqual(lateRows.effects.map((e) => e.kind), ['storeRows'], 'handed to the cache, which drops them');
    const lateProgress = reducePage(second, { type: 'viewProgress', runId: 'run-1', view: older, work: 'filter', scannedRows: 10_000, tableRows: 10_000, viewRows: 700, complete: true });
    assert.equal(lateProgress.model, second);
    assert.deepEqual(lateProgress.effects, []);

    const firstPage = reducePage(second, rows('run-1', newer, 40, { complete: false }));
    assert.deepEqual(effectsOf(firstPage, 'setRowCount'), [{ kind: 'setRowCount', rowCount: 40 }]);
    assert.deepEqual(effectsOf(firstPage, 'showCount').map((e) => e.text), ['40+ rows · filtering…']);
    const growing = reducePage(firstPage.model, { type: 'viewProgress', runId: 'run-1', view: newer, work: 'filter', scannedRows: 5000, tableRows: 10_000, viewRows: 90, complete: false });
    assert.equal(growing.model.shownRowCount, 90, 'the user can scroll into the matches found since');
    assert.deepEqual(effectsOf(growing, 'showCount').map((e) => e.text), ['90+ rows · filtering… 50%']);
    const done = reducePage(growing.model, { type: 'viewProgress', runId: 'run-1', view: newer, work: 'filter', scannedRows: 10_000, tableRows: 10_000, viewRows: 120, complete: true });
    assert.deepEqual(effectsOf(done, 'showCount').map((e) => e.text), ['120 of 10,000 rows']);
  });

  it('a filter comes back where the user was once its first page sizes the grid', () => {
    const shown = feed(fresh(), results('run-1', [table(10_000)]), { type: 'placeChanged', place: { scrollTop: 660, scrollLeft: 30, columnWidths: [150, 90] } }).model;
    assert.equal(tabStateOf(shown).scrollTop, 660);
    const filtered = reducePage(shown, { type: 'filterChanged', filter: 'a', place: { scrollTop: 660, scrollLeft: 30, columnWidths: [150, 90] } });
    assert.deepEqual(effectsOf(filtered, 'fetchFirstPage').length, 1);
    assert.deepEqual(effectsOf(filtered, 'loadTable')[0].columnWidths, [150, 90], 'resized columns keep their width');
    const firstPage = reducePage(filtered.model, rows('run-1', { tableIndex: 0, filter: 'a' }, 300));
    assert.deepEqual(effectsOf(firstPage, 'scrollGrid'), [{ kind: 'scrollGrid', top: 0, left: 30 }], 'a new filter starts at the top row');
  });

  it('switching between Chart and Table keeps the rows and remembers the choice', () => {
    const withRows = feed(fresh(), results('run-1', [table(500)]), rows('run-1', { tableIndex: 0 }, 500)).model;
    const chart = reducePage(withRows, { type: 'modeSelected', mode: 'chart' });
    assert.equal(chart.model.shownRowCount, 500);
    assert.equal(chart.model.rowCountKnown, true);
    assert.deepEqual(chart.effects.filter((e) => e.kind === 'loadTable' || e.kind === 'keepRows' || e.kind === 'setRowCount'), []);
    const shownChart = effectsOf(chart, 'showMode')[0].chart;
    assert.equal(shownChart?.tableIndex, 0);
    assert.equal(shownChart?.openPicker, true, 'no chart chosen or rendered: the picker opens');
    assert.equal(tabStateOf(chart.model).mode, 'chart');

    const back = reducePage(chart.model, { type: 'modeSelected', mode: 'table', reason: 'no numeric column' });
    assert.deepEqual(effectsOf(back, 'showMode'), [{ kind: 'showMode', chart: undefined, reason: 'no numeric column' }]);
    assert.equal(back.model.shownRowCount, 500);
  });

  it('a query that rendered a chart opens on it', () => {
    const step = feed(fresh(), results('run-1', [table(10)], { visualization: { type: 'columnchart' } as ResultsMetaMessage['visualization'], chartFollows: 0 }));
    assert.deepEqual(step.effects.map((e) => e.kind).slice(0, 3), ['loadChartLibrary', 'showResults', 'showMode']);
    const chart = effectsOf(step, 'showMode')[0].chart;
    assert.equal(chart?.chartFollows, true);
    assert.equal(chart?.openPicker, false);
  });

  it('tabs keep their own place; switching tabs restores it', () => {
    const shown = feed(fresh(), results('run-1', [table(500, 'First'), table(20, 'Second')])).model;
    const switched = reducePage(shown, { type: 'tabSelected', index: 1, place: { scrollTop: 220, scrollLeft: 0, columnWidths: [120, 90] } });
    assert.deepEqual(currentView(switched.model), { tableIndex: 1 });
    assert.equal(effectsOf(switched, 'loadTable')[0].rowCount, 20);
    assert.deepEqual(effectsOf(switched, 'showHeader').map((e) => e.activeTab), [1]);
    const back = reducePage(switched.model, { type: 'tabSelected', index: 0, place });
    assert.deepEqual(effectsOf(back, 'scrollGrid'), [{ kind: 'scrollGrid', top: 220, left: 0 }]);
  });

  it('sort cycles ascending, descending, none', () => {
    const shown = feed(fresh(), results('run-1', [table(500)])).model;
    const asc = reducePage(shown, { type: 'sortRequested', columnIndex: 1, place }).model;
    const desc = reducePage(asc, { type: 'sortRequested', columnIndex: 1, place }).model;
    const none = reducePage(desc, { type: 'sortRequested', columnIndex: 1, place }).model;
    assert.deepEqual([asc, desc, none].map((m) => currentView(m).sort), [{ columnIndex: 1, direction: 'asc' }, { columnIndex: 1, direction: 'desc' }, undefined]);
  });

  it('copy and export name the view shown; copying nothing asks for a selection', () => {
    const shown = feed(fresh(), results('run-1', [table(500)]), { type: 'filterChanged', filter: 'tx', place }).model;
    assert.deepEqual(reducePage(shown, { type: 'exportRequested', format: 'csv' }).effects, [
      { kind: 'post', message: { type: 'export', runId: 'run-1', view: { tableIndex: 0, filter: 'tx' }, format: 'csv' } },
    ]);
    assert.deepEqual(effectsOf(reducePage(shown, { type: 'copyRowsRequested', ranges: [] }), 'notice')[0].notice.level, 'warning');
    assert.deepEqual(effectsOf(reducePage(shown, { type: 'copyRowsRequested', ranges: [{ start: 2, end: 5 }] }), 'post')[0].message, {
      type: 'copyRows',
      runId: 'run-1',
      view: { tableIndex: 0, filter: 'tx' },
      ranges: [{ start: 2, end: 5 }],
    });
    assert.deepEqual(reducePage(fresh(), { type: 'exportRequested', format: 'json' }).effects, [], 'nothing to export before a result');
  });

  it('an unknown or stray message changes nothing', () => {
    const shown = feed(fresh(), results('run-1', [table(500)])).model;
    const unknown = reducePage(shown, { type: 'somethingNew', runId: 'run-1' } as unknown as ExtensionToPageMessage);
    assert.equal(unknown.model, shown);
    assert.deepEqual(unknown.effects, []);
    const stray = reducePage(shown, rows('run-0', { tableIndex: 0 }, 3));
    assert.equal(stray.model, shown);
    assert.deepEqual(stray.effects, []);
    const noResult = reducePage(fresh(), { type: 'viewProgress', runId: 'run-1', view: { tableIndex: 0 }, work: 'sort', scannedRows: 1, tableRows: 2, viewRows: 2, complete: false });
    assert.deepEqual(noResult.effects, []);
  });

  it('a running query and an error replace the result but keep the panel state for when it is shown again', () => {
    const shown = feed(fresh(), results('run-1', [table(500)]), { type: 'filterChanged', filter: 'tx', place }).model;
    const running = reducePage(shown, { type: 'running', run: run('run-2') });
    assert.deepEqual(running.effects, [{ kind: 'showRunning', run: run('run-2') }]);
    const failed = reducePage(running.model, { type: 'error', run: run('run-2'), error: { message: 'Syntax error' } });
    assert.equal(failed.model.view.kind, 'error');
    const again = reducePage(failed.model, results('run-1', [table(500)]));
    assert.deepEqual(currentView(again.model), { tableIndex: 0, filter: 'tx' }, 'the same run comes back filtered as it was');
  });
});
