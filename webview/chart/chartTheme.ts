// Chart colours from VS Code's theme: the CSS variables VS Code sets on the webview's <html> (editor colours and
// its chart palette --vscode-charts-*), with fallbacks for a page shown outside VS Code.

export interface ChartTheme {
  readonly kind: 'light' | 'dark' | 'high-contrast';
  readonly background: string;
  readonly foreground: string;
  readonly muted: string;
  readonly gridLine: string;
  readonly tooltipBackground: string;
  readonly tooltipBorder: string;
  readonly palette: readonly string[];
  readonly fontFamily: string;
  readonly fontSize: number;
}

// After VS Code's six chart colours, more distinct hues for charts with many series.
const EXTRA_COLOURS = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc', '#2f4554', '#c23531', '#61a0a8'];

function themeKind(): ChartTheme['kind'] {
  const classes = document.body.classList;
  if (classes.contains('vscode-high-contrast') || classes.contains('vscode-high-contrast-light')) return 'high-contrast';
  return classes.contains('vscode-dark') ? 'dark' : 'light';
}

/** The theme as last read: reading it forces a style recalculation, and it changes only with VS Code's theme. */
let themeRead: ChartTheme | undefined;
let themeObserved = false;

export function readChartTheme(): ChartTheme {
  if (!themeObserved) {
    themeObserved = true;
    // Registered before any watchTheme observer, so a change forgets the theme before a chart re-reads it.
    const forget = new MutationObserver(() => {
      themeRead = undefined;
    });
    forget.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
    forget.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }
  themeRead ??= readThemeVariables();
  return themeRead;
}

function readThemeVariables(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  const variable = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  const kind = themeKind();
  const light = kind === 'light' || document.body.classList.contains('vscode-high-contrast-light');
  // Outside VS Code (no theme class) the page is light.
  const foreground = variable('--vscode-editor-foreground', variable('--vscode-foreground', light ? '#333333' : '#cccccc'));
  const charts = ['blue', 'red', 'yellow', 'orange', 'green', 'purple']
    .map((name) => style.getPropertyValue(`--vscode-charts-${name}`).trim())
    .filter((colour) => colour.length > 0);
  return {
    kind,
    background: variable('--vscode-editor-background', light ? '#ffffff' : '#1e1e1e'),
    foreground,
    muted: variable('--vscode-descriptionForeground', light ? '#717171' : '#9d9d9d'),
    gridLine: variable('--vscode-charts-lines', variable('--vscode-editorWidget-border', light ? '#e5e5e5' : '#3c3c3c')),
    tooltipBackground: variable('--vscode-editorHoverWidget-background', light ? '#f3f3f3' : '#252526'),
    tooltipBorder: variable('--vscode-editorHoverWidget-border', light ? '#c8c8c8' : '#454545'),
    palette: [...(charts.length ? charts : ['#1a85ff', '#f14c4c', '#cca700', '#d18616', '#89d185', '#b180d7']), ...EXTRA_COLOURS],
    fontFamily: variable('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: Number.parseFloat(variable('--vscode-font-size', '12')) || 12,
  };
}

/** Calls `onChange` when VS Code switches theme (it rewrites <html style> and the body's classes). */
export function watchTheme(onChange: () => void): () => void {
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      onChange();
    });
  });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  return () => observer.disconnect();
}
