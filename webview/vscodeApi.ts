// The page's side of the webview host: postMessage to the extension and the per-panel state VS Code keeps
// while the panel is hidden (scroll, sort, filter, tab), so a recreated page comes back where the user left it.

import type { PageToExtensionMessage } from '../src/shared/resultsProtocol';
import type { PageState } from './pageState';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

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
