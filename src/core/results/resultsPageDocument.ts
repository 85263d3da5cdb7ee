// The results page's HTML document, without `vscode`, so headless-browser tests load exactly what VS Code loads.

/** Strict CSP with a nonce: scripts only with the nonce, styles and fonts only from the webview's own resources. */
export function resultsPageDocument(options: {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  beforeScript?: string;
  /** The chart bundle, loaded by the page (with the nonce) only when it first shows a chart. */
  chartScriptUri?: string;
}): string {
  const { cspSource, nonce } = options;
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // The toolkit (FAST) probes :focus-visible with a <style> element that carries the nonce from the csp-nonce meta.
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${options.styleUri}" rel="stylesheet">
<title>Kusto Results</title>
</head>
<body>
<div id="app" class="app"${options.chartScriptUri ? ` data-chart-script="${escapeAttribute(options.chartScriptUri)}"` : ''}></div>
${options.beforeScript ? `<script nonce="${nonce}">${options.beforeScript}</script>` : ''}
<script nonce="${nonce}" src="${options.scriptUri}"></script>
</body>
</html>`;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
