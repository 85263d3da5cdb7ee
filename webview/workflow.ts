// The daily-workflow parts of the results page: a banner for a result recalled from history, a banner when the
// result was cut at a limit (with one click to run again without truncation), and the share buttons. "Copy Query
// and Results" puts HTML and text on the clipboard from here: the extension host can only write text.

import type { ClipboardContentMessage, ResultsMetaMessage, ViewSpec } from '../src/shared/resultsProtocol';
import { createButton } from './toolkit';
import { postToExtension } from './vscodeApi';

function div(className: string, text?: string): HTMLElement {
  const element = document.createElement('div');
  element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

export function workflowBanners(message: ResultsMetaMessage): HTMLElement[] {
  const banners: HTMLElement[] = [];
  if (message.run.recalledAt !== undefined) {
    const ranAt = new Date(message.run.startedAt).toLocaleString();
    banners.push(div('banner info recalled', `Recalled from query history: the result of the run at ${ranAt}, shown again without running the query.`));
  }
  if (message.truncation) {
    const banner = div('banner warning truncated');
    banner.setAttribute('role', 'alert');
    banner.append(div('banner-title', `The result is incomplete: ${message.truncation.reason}.`));
    const run = createButton({
      label: 'Run Again Without Truncation',
      title: 'Runs the query again with "set notruncation;": the whole result comes over the network and is held in memory',
      onClick: () => postToExtension({ type: 'runWithoutTruncation', runId: message.run.runId }),
    });
    run.classList.add('run-without-truncation');
    banner.append(run, div('banner-item', 'Without truncation the result may be very large (time, network and memory).'));
    banners.push(banner);
  }
  return banners;
}

/** The workflow buttons of the toolbar; they act on the result shown when clicked (`shownRunId`). */
export function workflowButtons(shownRunId: () => string | undefined, currentView: () => ViewSpec): HTMLElement[] {
  return [
    createButton({
      label: 'Copy Link',
      title: 'Copy a link that opens this query in the Azure Data Explorer web UI',
      onClick: () => {
        const runId = shownRunId();
        if (runId !== undefined) postToExtension({ type: 'copyLink', runId });
      },
    }),
    createButton({
      label: 'Copy Query and Results',
      title: 'Copy the query, its connection and the rows as shown, as an HTML table and as Markdown',
      onClick: () => {
        const runId = shownRunId();
        if (runId !== undefined) postToExtension({ type: 'copyQueryAndResults', runId, view: currentView() });
      },
    }),
  ];
}

/**
 * Writes HTML and text together (pastes as a table in mail and documents, as Markdown in plain editors). Where the
 * webview may not write rich content (no Clipboard API or no permission), the text goes through the extension.
 */
export async function writeRichClipboard(message: ClipboardContentMessage, notify: (text: string, level: 'info' | 'warning') => void): Promise<void> {
  const rows = `${message.rows.toLocaleString('en-US')} row${message.rows === 1 ? '' : 's'}`;
  try {
    if (typeof ClipboardItem === 'undefined' || !navigator.clipboard?.write) throw new Error('no rich clipboard');
    await navigator.clipboard.write([
      new ClipboardItem({
        'text/html': new Blob([message.html], { type: 'text/html' }),
        'text/plain': new Blob([message.text], { type: 'text/plain' }),
      }),
    ]);
    notify(`Copied the query and ${rows} as HTML table and Markdown.`, 'info');
  } catch {
    postToExtension({ type: 'copyText', text: message.text });
    notify(`Copied the query and ${rows} as Markdown (this window does not let the page put HTML on the clipboard).`, 'warning');
  }
}
