import type * as vscode from 'vscode';

/** The connection (cluster + database) the user is working with right now: the active kql editor's, else the explorer's. */
export interface ActiveConnection {
  /** Canonical cluster URL (parseClusterUrl). */
  readonly clusterUrl: string;
  readonly database: string;
}

export interface ActiveConnectionSource {
  readonly active: ActiveConnection | undefined;
  readonly onDidChangeActive: vscode.Event<ActiveConnection | undefined>;
}
