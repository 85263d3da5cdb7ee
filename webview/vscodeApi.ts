// The page's side of the webview host: postMessage to the extension and the per-panel state VS Code keeps
// while the panel is hidden (scroll, sort, filter, tab), so a recreated page comes back where the user left it.

import type { PageToExtensionMessage, SortSpec } from '../src/shared/resultsProtocol';
import type { ChartRequest } from '../src/shared/chartSpec';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface TabState {
  sort?: SortSpec;
  filter: string;
  scrollTop: number;
  scrollLeft: number;
  columnWidths?: number[];
  /** Table or Chart view; unset means the default (Chart when the query rendered one). */
  mode?: 'table' | 'chart';
  /** The chart the user picked; unset means the query's render (or the guess). */
  chartRequest?: ChartRequest;
}

export interface PageState {
  runId: string;
  activeTab: number;
  tabs: Record<number, TabState>;
}

const api = acquireVsCodeApi();

export function postToExtension(message: PageToExtensionMessage): void {
  api.postMessage(message);
}

export function loadPageState(): PageState | undefined {
  const state = api.getState();
  if (typeof state === 'object' && state !== null && typeof (state as PageState).runId === 'string') {
    return state as PageState;
  }
  return undefined;
}

export function savePageState(state: PageState): void {
  api.setState(state);
}
