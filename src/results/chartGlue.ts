// VS Code glue for charts: where the chart bundle is, and the save dialog for an exported chart image.

import * as vscode from 'vscode';
import type { ChartImageFormat } from '../shared/chartSpec';

export function chartScriptUri(webview: vscode.Webview, webviewRoot: vscode.Uri): string {
  return webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'chart.js')).toString();
}

export async function chooseChartImageFile(format: ChartImageFormat, suggestedFileName: string): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    title: `Save chart as ${format.toUpperCase()}`,
    saveLabel: 'Save',
    defaultUri: folder ? vscode.Uri.joinPath(folder, suggestedFileName) : undefined,
    filters: format === 'png' ? { 'PNG image': ['png'] } : { 'SVG image': ['svg'] },
  });
  if (!uri) return undefined;
  if (uri.scheme !== 'file') {
    throw new Error(`Charts are saved to local files only; "${uri.scheme}:" locations are not supported.`);
  }
  return uri.fsPath;
}
