import * as vscode from 'vscode';
import type { KustoClient } from './core/kusto/kustoClient';
import type { AccessTokenSource } from './core/auth/accessTokenSource';

/**
 * Builds the one KustoClient of the extension on first use, so that undici is not loaded at activation.
 * Settings (timeout, row limit) are read per request by the callers through `requestDefaults()`.
 */
export class KustoClientProvider {
  private client: Promise<KustoClient> | undefined;

  constructor(private readonly tokenSource: AccessTokenSource, private readonly extensionVersion: string) {}

  get(): Promise<KustoClient> {
    this.client ??= import('./core/kusto/kustoClient').then(
      ({ KustoClient: Client }) =>
        new Client({
          tokenSource: this.tokenSource,
          application: 'Kusto Explorer for VS Code',
          clientVersion: `Kusto.Explorer.VSCode:${this.extensionVersion}`,
        }),
    );
    return this.client;
  }

  /** Per-request settings the user can change at any time. */
  requestDefaults(): { serverTimeoutMs: number; resultRowLimit: number; maxResponseBytes: number } {
    const config = vscode.workspace.getConfiguration('kusto');
    return {
      serverTimeoutMs: Math.max(10, config.get<number>('query.timeoutSeconds') ?? 240) * 1000,
      resultRowLimit: Math.max(1, config.get<number>('query.resultRowLimit') ?? 500000),
      maxResponseBytes: Math.min(4096, Math.max(1, config.get<number>('query.maxResponseMegabytes') ?? 512)) * 1024 * 1024,
    };
  }
}
