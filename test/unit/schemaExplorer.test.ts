import * as assert from 'node:assert/strict';
import { SignInRequiredError } from '../../src/core/auth/accessTokenSource';
import { KustoRequestError } from '../../src/core/kusto/kustoErrors';
import type { KustoResponse, KustoRow, KustoTable } from '../../src/core/kusto/resultTypes';
import { ExplorerModel, type ExplorerNode } from '../../src/core/schema/explorerModel';
import { SchemaStore, type SchemaCommandExecutor } from '../../src/core/schema/schemaStore';
import { rowsOf } from '../../src/core/kusto/kustoRows';

const CLUSTER = { url: 'https://help.kusto.windows.net', name: 'help', defaultDatabase: 'Samples' };

function mgmtResponse(columns: string[], rows: KustoRow[]): KustoResponse {
  const table: KustoTable = { id: 0, name: 'Table_0', kind: 'PrimaryResult', columns: columns.map((name) => ({ name, type: 'string' })), rows: rowsOf(rows) };
  return { endpoint: 'mgmt', clientRequestId: 'KE.test;1', primaryResults: [table], allTables: [table], partialErrors: [], elapsedMs: 1 };
}

function schemaJson(database: string, tables: Record<string, string[]>, functions: string[] = []): string {
  return JSON.stringify({
    Databases: {
      [database]: {
        Name: database,
        Tables: Object.fromEntries(
          Object.entries(tables).map(([name, columns]) => [
            name,
            { Name: name, Folder: '', DocString: '', OrderedColumns: columns.map((c) => ({ Name: c, Type: 'System.String', CslType: 'string' })) },
          ]),
        ),
        MaterializedViews: {},
        ExternalTables: {},
        Functions: Object.fromEntries(functions.map((f) => [f, { Name: f, InputParameters: [], Body: '{ 1 }', Folder: '', DocString: '' }])),
      },
    },
  });
}

/** A cluster in memory that answers the two schema commands the way Kusto does, and records what it was asked. */
class CatalogExecutor implements SchemaCommandExecutor {
  readonly requests: string[] = [];
  failWith: unknown;
  private releases: Array<() => void> = [];
  holdResponses = false;
  /** Like the local server: a request naming a database the cluster does not have fails. */
  rejectUnknownDatabases = false;

  constructor(private readonly schemas: Record<string, string>) {}

  async execute(request: { clusterUrl: string; database: string; text: string }): Promise<KustoResponse> {
    this.requests.push(`${request.database}: ${request.text}`);
    if (this.holdResponses) {
      await new Promise<void>((resolve) => this.releases.push(resolve));
    }
    if (this.failWith) {
      throw this.failWith;
    }
    if (this.rejectUnknownDatabases && !(request.database in this.schemas)) {
      throw new KustoRequestError({ kind: 'notFound', message: `Entity ID '${request.database}' of kind 'Database' was not found.`, code: 'BadRequest_EntityNotFound', clientRequestId: 'x', clusterUrl: request.clusterUrl, httpStatus: 400 });
    }
    if (request.text === '.show databases') {
      return mgmtResponse(['DatabaseName', 'PersistentStorage'], Object.keys(this.schemas).map((name) => [name, `store/${name}`]));
    }
    const match = /^\.show database (.+) schema as json$/.exec(request.text);
    const name = match?.[1]?.replace(/^\['(.*)'\]$/, '$1');
    if (!name || !(name in this.schemas)) {
      throw new KustoRequestError({ kind: 'notFound', message: `Database '${name}' was not found`, code: 'BadRequest_EntityNotFound', clientRequestId: 'x', clusterUrl: request.clusterUrl, httpStatus: 400 });
    }
    return mgmtResponse(['DatabaseSchema'], [[this.schemas[name]!]]);
  }

  release(): void {
    this.releases.splice(0).forEach((resolve) => resolve());
  }
}

function nextChange(store: SchemaStore): Promise<void> {
  return new Promise((resolve) => {
    const subscription = store.onDidChange(() => {
      subscription.dispose();
      resolve();
    });
  });
}

function labels(nodes: ExplorerNode[]): string[] {
  return nodes.map((node) => ('message' in node && node.type !== 'invalidCluster' ? `${node.type}: ${node.message}${'code' in node && node.code ? ` (${node.code})` : ''}` : `${node.type}: ${node.name}`));
}

function setup(schemas: Record<string, string>) {
  const executor = new CatalogExecutor(schemas);
  const store = new SchemaStore(async () => executor);
  const model = new ExplorerModel(store);
  model.setClusters([CLUSTER], ['not a url']);
  return { executor, store, model };
}

describe('explorer model', () => {
  const schemas = {
    Samples: schemaJson('Samples', { StormEvents: ['State', 'EventType'], PopulationData: ['State', 'Population'] }, ['MyFunction']),
    'Contoso Sales': schemaJson('Contoso Sales', { SalesFact: ['Amount'] }),
    Empty: schemaJson('Empty', {}),
  };

  it('shows clusters and invalid settings entries with a clear message', () => {
    const { model } = setup(schemas);
    const roots = model.roots();
    assert.deepEqual(roots.map((n) => n.type), ['cluster', 'invalidCluster']);
    assert.equal(roots[0]!.clusterUrl, CLUSTER.url);
    assert.match(roots[1]!.type === 'invalidCluster' ? roots[1]!.message : '', /"not a url" in setting kusto.clusters is not a valid cluster URL/);
  });

  it('shows Loading… while listing databases, then the databases, then a database\'s groups and tables lazily', async () => {
    const { model, store, executor } = setup(schemas);
    const cluster = model.roots()[0]!;
    let changed = nextChange(store);
    assert.deepEqual(labels(model.children(cluster)), ['loading: Loading…']);
    // A second expand while loading does not send a second request.
    model.children(cluster);
    await changed;
    assert.deepEqual(executor.requests, ['NetDefaultDB: .show databases']);
    const databases = model.children(cluster);
    assert.deepEqual(labels(databases), ['database: Contoso Sales', 'database: Empty', 'database: Samples']);
    assert.ok(databases.every((db) => db.clusterUrl === CLUSTER.url && db.database === db.name));

    const samples = databases[2]!;
    changed = nextChange(store);
    assert.deepEqual(labels(model.children(samples)), ['loading: Loading…']);
    await changed;
    const groups = model.children(samples);
    assert.deepEqual(labels(groups), ['group: Tables', 'group: Functions']);
    const tables = model.children(groups[0]!);
    assert.deepEqual(labels(tables), ['table: PopulationData', 'table: StormEvents']);
    assert.deepEqual(labels(model.children(tables[1]!)), ['column: State', 'column: EventType']);
    assert.deepEqual(labels(model.children(groups[1]!)), ['function: MyFunction']);

    // Quoted database names reach the server bracket-quoted.
    changed = nextChange(store);
    model.children(databases[0]!);
    await changed;
    assert.ok(executor.requests.includes("Contoso Sales: .show database ['Contoso Sales'] schema as json"));
    assert.deepEqual(labels(model.children(model.children(model.children(databases[0]!)[0]!)[0]!)), ['column: Amount']);

    changed = nextChange(store);
    model.children(databases[1]!);
    await changed;
    assert.deepEqual(labels(model.children(databases[1]!)), ['empty: No tables or functions in this database']);
  });

  it('shows a sign-in item when no sign-in exists, and an error item with its code otherwise', async () => {
    const { model, store, executor } = setup(schemas);
    const cluster = model.roots()[0]!;
    executor.failWith = new SignInRequiredError(CLUSTER.url, 'no account');
    let changed = nextChange(store);
    model.children(cluster);
    await changed;
    const signIn = model.children(cluster);
    assert.deepEqual(labels(signIn), ['signInRequired: Sign in to see databases']);
    assert.equal(signIn[0]!.clusterUrl, CLUSTER.url);
    assert.deepEqual(store.clustersNeedingSignIn(), [CLUSTER.url]);

    // A 401 from the cluster also asks for sign-in.
    executor.failWith = new KustoRequestError({ kind: 'auth', message: 'Unauthorized', code: 'Unauthorized', clientRequestId: 'x', clusterUrl: CLUSTER.url, httpStatus: 401 });
    store.invalidateCluster(CLUSTER.url);
    changed = nextChange(store);
    model.children(cluster);
    await changed;
    assert.deepEqual(labels(model.children(cluster)), ['signInRequired: Sign in to see databases']);

    executor.failWith = new KustoRequestError({ kind: 'forbidden', message: 'Principal is not authorized to read database list', code: 'Forbidden', clientRequestId: 'x', clusterUrl: CLUSTER.url, httpStatus: 403 });
    store.invalidateCluster(CLUSTER.url);
    changed = nextChange(store);
    model.children(cluster);
    await changed;
    const error = model.children(cluster);
    assert.deepEqual(labels(error), ['error: Principal is not authorized to read database list (Forbidden)']);
    assert.equal(error[0]!.type === 'error' && error[0]!.target, cluster);

    // Retry (invalidate) after the cause is fixed shows the databases.
    executor.failWith = undefined;
    store.invalidateCluster(CLUSTER.url);
    changed = nextChange(store);
    model.children(cluster);
    await changed;
    assert.equal(model.children(cluster).length, 3);
  });

  it('lists databases through the default database when the cluster does not know NetDefaultDB', async () => {
    const executor = new CatalogExecutor(schemas);
    executor.rejectUnknownDatabases = true;
    const withFallback = new SchemaStore(async () => executor, { fallbackDatabase: () => 'Samples' });
    assert.equal((await withFallback.loadDatabases(CLUSTER.url)).length, 3);
    assert.deepEqual(executor.requests, ['NetDefaultDB: .show databases', 'Samples: .show databases']);

    // Without a fallback the failure is shown in the tree, with the server's code.
    const store = new SchemaStore(async () => executor);
    const model = new ExplorerModel(store);
    model.setClusters([CLUSTER]);
    const cluster = model.roots()[0]!;
    const changed = nextChange(store);
    model.children(cluster);
    await changed;
    assert.deepEqual(labels(model.children(cluster)), ["error: Entity ID 'NetDefaultDB' of kind 'Database' was not found. (BadRequest_EntityNotFound)"]);
  });

  it('opens folders by default only in small groups', async () => {
    const manyTables = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`T${i}`, { Name: `T${i}`, Folder: `F${i % 3}`, OrderedColumns: [{ Name: 'a', CslType: 'string' }] }]),
    );
    const big = JSON.stringify({ Databases: { Big: { Name: 'Big', Tables: manyTables, Functions: {} } } });
    const { model, store } = setup({ Big: big, Samples: schemas.Samples });
    await store.loadDatabases(CLUSTER.url);
    await store.loadDatabaseSchema(CLUSTER.url, 'Big');
    const bigDb = model.children(model.roots()[0]!).find((n) => n.name === 'Big')!;
    const folders = model.children(model.children(bigDb)[0]!);
    assert.deepEqual(folders.map((f) => (f.type === 'folder' ? `${f.path}:${f.startExpanded}` : f.type)), ['F0:false', 'F1:false', 'F2:false']);
    model.setFilter('T1');
    const filteredFolders = model.children(model.children(bigDb)[0]!);
    assert.ok(filteredFolders.length > 0 && filteredFolders.every((f) => f.type === 'folder' && f.startExpanded));
  });

  it('refresh of a database reloads only that database', async () => {
    const { model, store, executor } = setup(schemas);
    const cluster = model.roots()[0]!;
    let changed = nextChange(store);
    model.children(cluster);
    await changed;
    const samples = model.children(cluster).find((n) => n.name === 'Samples')!;
    changed = nextChange(store);
    model.children(samples);
    await changed;
    executor.requests.length = 0;
    store.invalidateDatabase(CLUSTER.url, 'Samples');
    changed = nextChange(store);
    assert.deepEqual(labels(model.children(samples)), ['loading: Loading…']);
    await changed;
    assert.deepEqual(executor.requests, ['Samples: .show database Samples schema as json']);
    assert.equal(model.children(samples).length, 2);
  });

  it('filters loaded databases by name, keeping ancestors and hiding databases without matches', async () => {
    const { model, store } = setup(schemas);
    const cluster = model.roots()[0]!;
    let changed = nextChange(store);
    model.children(cluster);
    await changed;
    for (const db of model.children(cluster)) {
      changed = nextChange(store);
      model.children(db);
      await changed;
    }
    model.setFilter('POPUL');
    const databases = model.children(cluster);
    assert.deepEqual(labels(databases), ['database: Samples']);
    const groups = model.children(databases[0]!);
    assert.deepEqual(labels(groups), ['group: Tables']);
    const tables = model.children(groups[0]!);
    assert.deepEqual(labels(tables), ['table: PopulationData']);
    assert.deepEqual(labels(model.children(tables[0]!)), ['column: State', 'column: Population']);

    model.setFilter('state');
    const stateTables = model.children(model.children(model.children(cluster)[0]!)[0]!);
    assert.deepEqual(labels(stateTables), ['table: PopulationData', 'table: StormEvents']);
    assert.deepEqual(labels(model.children(stateTables[1]!)), ['column: State']);
    assert.ok(stateTables.every((t) => t.type === 'table' && t.expandForFilter));

    model.setFilter('nothing-matches');
    assert.deepEqual(labels(model.children(cluster)), ['empty: No names match "nothing-matches"']);
    model.setFilter('');
    assert.equal(model.children(cluster).length, 3);
  });

  it('shares one request between concurrent callers and ignores results of an invalidated load', async () => {
    const { store, executor } = setup(schemas);
    executor.holdResponses = true;
    const first = store.loadDatabases(CLUSTER.url);
    const second = store.loadDatabases(CLUSTER.url);
    store.invalidateCluster(CLUSTER.url);
    const third = store.loadDatabases(CLUSTER.url);
    await new Promise((resolve) => setImmediate(resolve));
    executor.release();
    const [a, b, c] = await Promise.all([first, second, third]);
    assert.equal(a, b);
    assert.equal(c.length, 3);
    assert.equal(executor.requests.length, 2);
    const state = store.peekDatabases(CLUSTER.url);
    assert.equal(state?.status === 'loaded' && state.value, c);
  });
});
