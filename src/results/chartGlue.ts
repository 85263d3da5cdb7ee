// VS Code glue for charts: where the chart bundle is, and the save dialog for an exported chart image.

import * as vscode from 'vscode';
import type { ChartImageFormat } from '../shared/chartSpec';
import type { ExportTarget } from '../core/results/exportDestination';
import { exportTargetOf } from './exportTarget';

export function chartScriptUri(webview: vscode.Webview, webviewRoot: vscode.Uri): string {
  return webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'chart.js')).toString();
}

export async function chooseChartImageFile(format: ChartImageFormat, suggestedFileName: string): Promise<ExportTarget | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    title: `Save chart as ${format.toUpperCase()}`,
    saveLabel: 'Save',
    defaultUri: folder ? vscode.Uri.joinPath(folder, suggestedFileName) : undefined,
    filters: format === 'png' ? { 'PNG image': ['png'] } : { 'SVG image': ['svg'] },
  });
  return uri ? exportTargetOf(uri) : undefined;
}
