import * as assert from 'node:assert';
import {
  MAX_REMEMBERED_CONNECTIONS,
  REMEMBERED_CONNECTIONS_KEY,
  RememberedConnections,
  toDatabaseConnection,
  type KeyValueState,
} from '../../src/core/connections/rememberedConnections';
import { connectionLabel, resolveEditorConnection, type ConfiguredCluster } from '../../src/core/connections/resolveConnection';

/** An in-memory stand-in for workspaceState that keeps what was written as JSON, as VS Code does. */
class JsonState implements KeyValueState {
  readonly values = new Map<string, string>();
  get<T>(key: string): T | undefined {
    const text = this.values.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, JSON.stringify(value));
  }
}

const help: ConfiguredCluster = { url: 'https://help.kusto.windows.net', name: 'help', defaultDatabase: 'Samples' };
const local: ConfiguredCluster = { url: 'http://127.0.0.1:8080', name: 'local', defaultDatabase: 'Test' };

describe('editor connection resolution', () => {
  it('prefers the connection remembered for the file', () => {
    const resolved = resolveEditorConnection({
      remembered: { clusterUrl: local.url, database: 'Logs' },
      explorerActive: { clusterUrl: help.url, database: 'Samples' },
      clusters: [help, local],
    });
    assert.deepStrictEqual(resolved, { connection: { clusterUrl: local.url, database: 'Logs' }, origin: 'editor' });
  });

  it("falls back to the explorer's active database, then to the first cluster's default database", () => {
    const explorer = resolveEditorConnection({
      remembered: undefined,
      explorerActive: { clusterUrl: local.url, database: 'Test' },
      clusters: [help, local],
    });
    assert.strictEqual(explorer?.origin, 'explorer');
    const fallback = resolveEditorConnection({ remembered: undefined, explorerActive: undefined, clusters: [local, help] });
    assert.deepStrictEqual(fallback, { connection: { clusterUrl: local.url, database: 'Test' }, origin: 'default' });
  });

  it('ignores connections to clusters removed from settings and has none when no cluster is configured', () => {
    const resolved = resolveEditorConnection({
      remembered: { clusterUrl: 'https://gone.kusto.windows.net', database: 'Old' },
      explorerActive: { clusterUrl: 'https://gone.kusto.windows.net', database: 'Old' },
      clusters: [help],
    });
    assert.deepStrictEqual(resolved, { connection: { clusterUrl: help.url, database: 'Samples' }, origin: 'default' });
    assert.strictEqual(resolveEditorConnection({ remembered: undefined, explorerActive: undefined, clusters: [] }), undefined);
  });

  it('labels a connection with the cluster display name, or its host when unknown', () => {
    assert.strictEqual(connectionLabel({ clusterUrl: help.url, database: 'Samples' }, [help]), 'help / Samples');
    assert.strictEqual(connectionLabel({ clusterUrl: 'https://x.kusto.windows.net', database: 'D' }, [help]), 'x.kusto.windows.net / D');
  });
});

describe('remembered editor connections', () => {
  const fileA = 'file:///work/a.kql';
  const fileB = 'file:///work/b.kql';

  it('survives a restart through workspace state and stores only cluster URL and database', async () => {
    const state = new JsonState();
    const first = new RememberedConnections(state);
    await first.set(fileA, { clusterUrl: help.url, database: 'Samples' });
    const reopened = new RememberedConnections(state);
    assert.deepStrictEqual(reopened.get(fileA), { clusterUrl: help.url, database: 'Samples' });
    assert.deepStrictEqual(JSON.parse(state.values.get(REMEMBERED_CONNECTIONS_KEY)!), {
      [fileA]: { clusterUrl: help.url, database: 'Samples' },
    });
  });

  it('drops entries of clusters no longer configured and reports which files lost theirs', async () => {
    const state = new JsonState();
    const remembered = new RememberedConnections(state);
    await remembered.set(fileA, { clusterUrl: help.url, database: 'Samples' });
    await remembered.set(fileB, { clusterUrl: local.url, database: 'Test' });
    assert.deepStrictEqual(await remembered.retainClusters([help.url]), [fileB]);
    assert.strictEqual(new RememberedConnections(state).get(fileB), undefined);
    assert.ok(new RememberedConnections(state).get(fileA));
  });

  it('follows a renamed file and forgets a closed untitled one', async () => {
    const remembered = new RememberedConnections(new JsonState());
    await remembered.set(fileA, { clusterUrl: help.url, database: 'Samples' });
    await remembered.move(fileA, fileB);
    assert.strictEqual(remembered.get(fileA), undefined);
    assert.strictEqual(remembered.get(fileB)?.database, 'Samples');
    await remembered.forget(fileB);
    assert.deepStrictEqual(remembered.entries(), []);
  });

  it('ignores corrupt stored entries and normalises cluster URLs', () => {
    const state = new JsonState();
    state.values.set(
      REMEMBERED_CONNECTIONS_KEY,
      JSON.stringify({
        [fileA]: { clusterUrl: 'HTTPS://Help.Kusto.Windows.Net/', database: ' Samples ' },
        [fileB]: { clusterUrl: 'not a url', database: 'x' },
        'file:///c.kql': { clusterUrl: help.url },
        'file:///d.kql': 'garbage',
      }),
    );
    const remembered = new RememberedConnections(state);
    assert.deepStrictEqual(remembered.entries(), [[fileA, { clusterUrl: help.url, database: 'Samples' }]]);
    assert.strictEqual(toDatabaseConnection({ clusterUrl: 'http://example.com', database: 'D' }), undefined);
  });

  it('forgets the least recently bound files beyond the limit', async () => {
    const remembered = new RememberedConnections(new JsonState());
    for (let index = 0; index <= MAX_REMEMBERED_CONNECTIONS; index++) {
      await remembered.set(`file:///q${index}.kql`, { clusterUrl: help.url, database: `db${index}` });
    }
    assert.strictEqual(remembered.entries().length, MAX_REMEMBERED_CONNECTIONS);
    assert.strictEqual(remembered.get('file:///q0.kql'), undefined);
    assert.strictEqual(remembered.get(`file:///q${MAX_REMEMBERED_CONNECTIONS}.kql`)?.database, `db${MAX_REMEMBERED_CONNECTIONS}`);
  });
});
