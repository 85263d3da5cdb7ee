// The results page: header (run, stats, errors), tabs, search, the virtualized grid, the chart and the detail view.
// This file only wires: messages from the extension and the user's actions become events, the reducer
// (pageReducer.ts) turns each into the next page model and a list of effects, and pageEffects.ts carries those out.

import type { ExtensionToPageMessage } from '../src/shared/resultsProtocol';
import { ResultsPageEffects } from './pageEffects';
import { reducePage } from './pageReducer';
import { initialPageModel, shownMeta, type PageEvent } from './pageState';
import { registerToolkit } from './toolkit';
import { loadPageState, postToExtension } from './vscodeApi';

registerToolkit();

let model = initialPageModel(loadPageState());

function dispatch(event: PageEvent): void {
  const step = reducePage(model, event);
  model = step.model;
  for (const effect of step.effects) effects.apply(effect);
}

const effects = new ResultsPageEffects(document.getElementById('app') ?? document.body, dispatch, () => model);

window.addEventListener('message', (event: MessageEvent<ExtensionToPageMessage>) => {
  const message = event.data;
  if (typeof message !== 'object' || message === null) return;
  // A result may rebuild the view: first remember where the user is in the grid shown now.
  if (message.type === 'resultsMeta' && shownMeta(model) && effects.grid.element.isConnected) {
    dispatch({ type: 'placeChanged', place: effects.gridPlace() });
  }
  dispatch(message);
});

window.addEventListener('beforeunload', () => dispatch({ type: 'placeChanged', place: effects.gridPlace() }));

postToExtension({ type: 'ready' });
