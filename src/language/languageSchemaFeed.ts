// Feeds the language worker the schemas the explorer loads (one SchemaStore, so the explorer's Refresh is the
// editor's refresh too): the schema of each editor's connection, the database names of its cluster, and the
// databases a query names with database('…'), loaded on demand.
import type { DatabaseKey } from '../core/language/languageProtocol';
import { databaseKeyId } from '../core/language/languageProtocol';
import type { LanguageClient } from '../core/language/languageClient';
import type { DatabaseSchema } from '../core/schema/schemaModel';
import type { SchemaStore } from '../core/schema/schemaStore';

export class LanguageSchemaFeed {
  /** Keys some editor needs, with the schema object last sent for each (a new object means a refresh). */
  private readonly wanted = new Map<string, { key: DatabaseKey; sent?: DatabaseSchema }>();
  private readonly namesSent = new Map<string, unknown>();
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly store: SchemaStore,
    private readonly client: LanguageClient,
    /** Called when a key's schema (or state) changed in the worker: re-check the documents that use it. */
    private readonly onSchemaChanged: (key: DatabaseKey) => void,
  ) {
    this.subscription = store.onDidChange((change) => {
      for (const { key } of this.wanted.values()) {
        if (key.clusterUrl === change.clusterUrl && (change.database === undefined || change.database === key.database)) {
          this.ensure(key);
        }
      }
      if (change.database === undefined && [...this.wanted.values()].some(({ key }) => key.clusterUrl === change.clusterUrl)) {
        this.namesSent.delete(change.clusterUrl);
        this.ensureDatabaseNames(change.clusterUrl);
      }
    });
  }

  /** Makes sure the worker has (or is getting) the schema of `key`; loads it when nobody has yet. */
  ensure(key: DatabaseKey): void {
    const id = databaseKeyId(key);
    let record = this.wanted.get(id);
    if (!record) {
      record = { key };
      this.wanted.set(id, record);
    }
    this.ensureDatabaseNames(key.clusterUrl);
    const state = this.store.peekSchema(key.clusterUrl, key.database);
    if (!state) {
      this.setState(key, 'loading');
      // Settles through store.onDidChange, which calls ensure again.
      this.store.loadDatabaseSchema(key.clusterUrl, key.database).catch(() => undefined);
      return;
    }
    switch (state.status) {
      case 'loading':
        this.setState(key, 'loading');
        return;
      case 'failed':
        // Not retried here: the explorer's Retry, Refresh or a sign-in invalidates it, and then this runs again.
        this.setState(key, 'failed');
        return;
      case 'loaded':
        if (record.sent !== state.value) {
          record.sent = state.value;
          const sent = state.value;
          void this.client.setSchema(key, sent).then(() => {
            if (this.wanted.get(id)?.sent === sent) {
              this.onSchemaChanged(key);
            }
          });
        }
        return;
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private setState(key: DatabaseKey, state: 'loading' | 'failed'): void {
    if (this.client.schemaStateOf(key) !== state) {
      this.client.setSchemaState(key, state);
      this.onSchemaChanged(key);
    }
  }

  private ensureDatabaseNames(clusterUrl: string): void {
    const state = this.store.peekDatabases(clusterUrl);
    if (!state) {
      this.store.loadDatabases(clusterUrl).catch(() => undefined);
      return;
    }
    if (state.status === 'loaded' && this.namesSent.get(clusterUrl) !== state.value) {
      this.namesSent.set(clusterUrl, state.value);
      this.client.setDatabaseNames(
        clusterUrl,
        state.value.map((database) => database.name),
      );
    }
  }
}
