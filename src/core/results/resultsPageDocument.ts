// The results page's HTML document, without `vscode`, so headless-browser tests load exactly what VS Code loads.

/** The document itself, shared with the headless-browser tests so they load exactly what VS Code loads. */
export function resultsPageDocument(options: { cspSource: string; nonce: string; scriptUri: string; styleUri: string; beforeScript?: string }): string {
  const { cspSource, nonce } = options;
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${options.styleUri}" rel="stylesheet">
<title>Kusto Results</title>
</head>
<body>
<div id="app" class="app"></div>
${options.beforeScript ? `<script nonce="${nonce}">${options.beforeScript}</script>` : ''}
<script nonce="${nonce}" src="${options.scriptUri}"></script>
</body>
</html>`;
}
