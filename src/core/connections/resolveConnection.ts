// Which connection a query editor uses: its own remembered one, else the explorer's active database, else the
// first configured cluster with its default database. A connection to a cluster that is no longer configured
// is never used.

import type { DatabaseConnection } from './rememberedConnections';

export interface ConfiguredCluster {
  /** Canonical URL. */
  readonly url: string;
  readonly name: string;
  readonly defaultDatabase: string;
}

export type ConnectionOrigin = 'editor' | 'explorer' | 'default';

export interface ResolvedConnection {
  readonly connection: DatabaseConnection;
  readonly origin: ConnectionOrigin;
}

export function resolveEditorConnection(input: {
  readonly remembered: DatabaseConnection | undefined;
  readonly explorerActive: DatabaseConnection | undefined;
  readonly clusters: readonly ConfiguredCluster[];
}): ResolvedConnection | undefined {
  const isConfigured = (connection: DatabaseConnection | undefined): connection is DatabaseConnection =>
    !!connection && input.clusters.some((cluster) => cluster.url === connection.clusterUrl);
  if (isConfigured(input.remembered)) {
    return { connection: input.remembered, origin: 'editor' };
  }
  if (isConfigured(input.explorerActive)) {
    return { connection: input.explorerActive, origin: 'explorer' };
  }
  const first = input.clusters[0];
  return first ? { connection: { clusterUrl: first.url, database: first.defaultDatabase }, origin: 'default' } : undefined;
}

/** `help / Samples`: the cluster's display name from settings (else its host) and the database. */
export function connectionLabel(connection: DatabaseConnection, clusters: readonly ConfiguredCluster[]): string {
  const cluster = clusters.find((candidate) => candidate.url === connection.clusterUrl);
  const clusterName = cluster?.name ?? connection.clusterUrl.replace(/^https?:\/\//, '');
  return `${clusterName} / ${connection.database}`;
}
