// The explorer's cache of database lists and schemas, shared with the editor's connection picker.
import type { DatabaseSchema } from '../core/schema/schemaModel';
import type { SchemaStore } from '../core/schema/schemaStore';
import type { SchemaSource } from '../schemaSource';

export class SchemaCache implements SchemaSource {
  constructor(readonly store: SchemaStore) {}

  async listDatabases(clusterUrl: string): Promise<string[]> {
    const databases = await this.store.loadDatabases(clusterUrl);
    return databases.map((database) => database.name);
  }

  /** A database's schema, from the cache or loaded now. */
  getDatabaseSchema(clusterUrl: string, database: string): Promise<DatabaseSchema> {
    return this.store.loadDatabaseSchema(clusterUrl, database);
  }
}
