/** What the editor's connection picker needs from the explorer's cached schema. */
export interface SchemaSource {
  /** Database names of a cluster (canonical URL), from the explorer's cache or loaded on demand. */
  listDatabases(clusterUrl: string): Promise<string[]>;
}
