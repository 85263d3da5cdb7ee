// The work of computing views of one result table, off the critical path of the extension host: a view is
// computed in slices (slicedWork.ts), one at a time per table. Asking for another view cancels the one under way
// (a newer keystroke in the filter box wins at once); asking for the same view joins it. While an unsorted filter
// runs, the rows found so far can already be served: matches come in table order, so the first N found are the
// first N of the finished view.

import type { ViewProgressMessage } from '../../shared/resultsProtocol';
import { isWorkCancelled, runSliced, type WorkProgress } from './slicedWork';
import { ResultView, type ResultTable, type ViewOptions } from './resultView';
import type { FilterProgress } from './rowFilter';

export type ViewWorkProgress = Pick<ViewProgressMessage, 'work' | 'scannedRows' | 'tableRows' | 'viewRows' | 'complete'>;

/** Rows of a view that can be served now: the whole view, or the first matches of a filter still running. */
export interface KnownRows {
  readonly view: ResultView;
  readonly complete: boolean;
  /** The view's row count when complete; the matches found so far otherwise. */
  readonly knownRows: number;
}

function whole(view: ResultView): KnownRows {
  return { view, complete: true, knownRows: view.rowCount };
}

interface RunningJob {
  readonly key: string;
  readonly controller: AbortController;
  /** Settles with the view, or undefined when cancelled. Set right after the job starts its first slice. */
  done: Promise<ResultView | undefined>;
  latest?: FilterProgress;
  readonly waiters: Set<() => void>;
}

/** How often progress is reported while a view is computed. */
const PROGRESS_INTERVAL_MS = 100;

export class ViewJobs {
  private running: RunningJob | undefined;

  /**
   * @param onProgress told how a view's work goes (throttled), and once more when it completes
   */
  constructor(
    private readonly table: ResultTable,
    private readonly onProgress: (options: ViewOptions, progress: ViewWorkProgress) => void,
    private readonly sliceMs?: number,
  ) {}

  /** The view, computed in slices unless already cached; undefined when a request for another view cancelled it. */
  async view(options: ViewOptions): Promise<ResultView | undefined> {
    const cached = this.table.cachedView(options);
    if (cached) return cached;
    return this.start(options).done;
  }

  /**
   * Rows [start, start + count) of the view as soon as they are known: for an unsorted filter that is when that
   * many matches were found, before the whole table was looked at (`complete: false`, with the matches so far);
   * otherwise when the view is complete. Undefined when the work was cancelled by a request for another view.
   */
  async rowsWhenKnown(
    options: ViewOptions,
    start: number,
    count: number,
  ): Promise<KnownRows | undefined> {
    const cached = this.table.cachedView(options);
    if (cached) return whole(cached);
    const job = this.start(options);
    if (options.sort || !options.filter) {
      const view = await job.done;
      return view && whole(view);
    }
    const enough = (): boolean => (job.latest?.matched ?? 0) >= start + count;
    if (!enough()) {
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (enough()) {
            job.waiters.delete(check);
            resolve();
          }
        };
        job.waiters.add(check);
        // The job ending (done, failed or cancelled) releases every waiter.
        void job.done.finally(() => {
          job.waiters.delete(check);
          resolve();
        });
      });
    }
    const finished = this.table.cachedView(options);
    if (finished) return whole(finished);
    if (this.running !== job || job.controller.signal.aborted || !job.latest) {
      // Cancelled for another view (undefined), or it failed (the error is thrown here).
      const view = await job.done;
      return view && whole(view);
    }
    return { view: partialFilterView(this.table, job.latest, start + count), complete: false, knownRows: job.latest.matched };
  }

  /** Stops the work under way, if any (the table is going away). */
  cancel(): void {
    this.running?.controller.abort();
    this.running = undefined;
  }

  private start(options: ViewOptions): RunningJob {
    const key = JSON.stringify([options.sort ?? null, options.filter ?? '']);
    if (this.running && this.running.key === key && !this.running.controller.signal.aborted) {
      return this.running;
    }
    this.running?.controller.abort();
    const controller = new AbortController();
    const work: ViewWorkProgress['work'] = options.filter ? 'filter' : 'sort';
    const tableRows = this.table.rowCount;
    let lastReport = 0;
    const waiters = new Set<() => void>();
    // The first slice runs before runSliced returns, and its pauses already report through `job`.
    const job: RunningJob = { key, controller, waiters, done: Promise.resolve(undefined) };
    job.done = runSliced(this.table.viewWork(options), {
        signal: controller.signal,
        sliceMs: this.sliceMs,
        what: work === 'filter' ? 'The filter' : 'The sort',
        onPause: (progress) => {
          if (isFilterProgress(progress)) job.latest = progress;
          for (const waiter of [...waiters]) waiter();
          const now = Date.now();
          if (now - lastReport >= PROGRESS_INTERVAL_MS) {
            lastReport = now;
            this.onProgress(options, {
              work,
              scannedRows: progress?.done ?? 0,
              tableRows,
              viewRows: isFilterProgress(progress) ? progress.matched : 0,
              complete: false,
            });
          }
        },
      }).then(
        (view) => {
          this.onProgress(options, { work, scannedRows: tableRows, tableRows, viewRows: view.rowCount, complete: true });
          return view;
        },
        (error: unknown) => {
          if (isWorkCancelled(error)) return undefined;
          throw error;
        },
      );
    void job.done
      .catch(() => undefined)
      .finally(() => {
        if (this.running === job) this.running = undefined;
      });
    this.running = job;
    return job;
  }
}

function isFilterProgress(progress: WorkProgress | undefined): progress is FilterProgress {
  return progress !== undefined && 'matches' in progress;
}

/** The first `wanted` matches found so far, as a view in table order (what the finished view starts with). */
function partialFilterView(table: ResultTable, progress: FilterProgress, wanted: number): ResultView {
  const count = Math.min(wanted, progress.matched);
  const order = new Uint32Array(count);
  let next = 0;
  for (let row = 0; row < progress.done && next < count; row++) {
    if (progress.matches[row] === 1) order[next++] = row;
  }
  return new ResultView(table, order, true);
}
