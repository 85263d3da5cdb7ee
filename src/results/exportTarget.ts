// Where the user chose to save an export or a chart image, as the core writes it.

import * as vscode from 'vscode';
import type { ExportTarget } from '../core/results/exportDestination';

/** A local file is streamed to; a remote or virtual workspace's file is written through VS Code's file system. */
export function exportTargetOf(uri: vscode.Uri): ExportTarget {
  if (uri.scheme === 'file') return uri.fsPath;
  return { label: uri.toString(true), writeAll: async (bytes) => vscode.workspace.fs.writeFile(uri, bytes) };
}
