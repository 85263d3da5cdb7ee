// The only module that touches @vscode/webview-ui-toolkit (archived upstream): everything else asks for plain
// HTMLElements here, so the toolkit can be swapped for other components without touching the page.
// Never its data grid: it renders every row.

import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeTextField(),
    vsCodePanels(),
    vsCodePanelTab(),
    vsCodePanelView(),
    vsCodeProgressRing(),
  );
}

export interface ButtonOptions {
  readonly label: string;
  readonly title?: string;
  readonly appearance?: 'primary' | 'secondary';
  readonly onClick: () => void;
}

export function createButton(options: ButtonOptions): HTMLElement {
  const button = document.createElement('vscode-button');
  button.textContent = options.label;
  button.setAttribute('appearance', options.appearance ?? 'secondary');
  if (options.title) button.title = options.title;
  button.addEventListener('click', () => options.onClick());
  return button;
}

export interface TextFieldHandle {
  readonly element: HTMLElement;
  value: string;
  focus(): void;
}

export function createTextField(options: { placeholder: string; ariaLabel: string; value: string; onInput: (value: string) => void }): TextFieldHandle {
  const field = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  field.setAttribute('placeholder', options.placeholder);
  field.setAttribute('aria-label', options.ariaLabel);
  field.value = options.value;
  field.addEventListener('input', () => options.onInput(field.value ?? ''));
  return {
    element: field,
    get value() {
      return field.value ?? '';
    },
    set value(text: string) {
      field.value = text;
    },
    focus: () => field.focus(),
  };
}

/** A tab strip (one tab per label); the content below it is the caller's, so the tab views stay empty. */
export function createTabs(labels: readonly string[], activeIndex: number, onChange: (index: number) => void): HTMLElement {
  const panels = document.createElement('vscode-panels');
  panels.classList.add('tabs');
  labels.forEach((label, index) => {
    const tab = document.createElement('vscode-panel-tab');
    tab.id = `tab-${index}`;
    tab.textContent = label;
    panels.appendChild(tab);
  });
  labels.forEach((_, index) => {
    const view = document.createElement('vscode-panel-view');
    view.id = `view-${index}`;
    view.hidden = true;
    panels.appendChild(view);
  });
  panels.setAttribute('activeid', `tab-${activeIndex}`);
  panels.addEventListener('change', (event) => {
    // Panels emit "change" with the active tab; other "change" events (from children) are not ours.
    const tab = (event as CustomEvent<HTMLElement | undefined>).detail;
    const index = tab && typeof tab.id === 'string' ? Number(tab.id.replace('tab-', '')) : NaN;
    if (event.target === panels && Number.isInteger(index)) onChange(index);
  });
  return panels;
}

export function createProgressRing(): HTMLElement {
  const ring = document.createElement('vscode-progress-ring');
  ring.classList.add('progress-ring');
  return ring;
}
