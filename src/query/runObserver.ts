// What the query runner tells others when a run ends (history, recalled results). Kept apart from the runner so
// features that listen to runs do not grow the runner itself.

import type { KustoResponse } from '../core/kusto/resultTypes';
import type { RunInfo } from '../shared/resultsProtocol';

export interface FinishedRun {
  readonly info: RunInfo;
  readonly outcome: 'ok' | 'error' | 'cancelled';
  readonly durationMs: number;
  /** Rows in the primary results (ok runs). */
  readonly rows?: number;
  readonly errorCode?: string;
  /** The response of an ok run: the caller may keep it to show again. */
  readonly response?: KustoResponse;
}

export interface RunObserver {
  onRunFinished(run: FinishedRun): void;
}
