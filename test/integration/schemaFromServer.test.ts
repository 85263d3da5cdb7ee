// The explorer's schema loading end to end: the real Kusto client against the local Kusto server, with access
// tokens signed by the local sign-in server (device code approved in-process).
import * as assert from 'node:assert/strict';
import { SignInRequiredError, type AccessTokenSource } from '../../src/core/auth/accessTokenSource';
import { KustoClient } from '../../src/core/kusto/kustoClient';
import { ExplorerModel, type ExplorerNode } from '../../src/core/schema/explorerModel';
import { databaseCsl } from '../../src/core/schema/schemaCsl';
import { SchemaStore } from '../../src/core/schema/schemaStore';
import { startLocalStack, type LocalStack } from '../../src/localServers/localStack';
import { getTestAccessToken } from '../support/signInTestTokens';

/** Tokens for one user, minted once per cluster like the extension's auth layer does. */
function tokenSourceFor(stack: LocalStack, upn: string): AccessTokenSource {
  const tokens = new Map<string, Promise<string>>();
  return {
    getToken(clusterUrl, options) {
      if (options?.forceRefresh || !tokens.has(clusterUrl)) {
        tokens.set(clusterUrl, getTestAccessToken(stack.signIn, clusterUrl, upn));
      }
      return tokens.get(clusterUrl)!;
    },
  };
}

function clientFor(tokenSource: AccessTokenSource): KustoClient {
  return new KustoClient({ tokenSource, application: 'schemaFromServer.test', clientVersion: 'test:0' });
}

/** A store set up like registerExplorer's: NetDefaultDB first, the cluster's default database when it is unknown. */
function storeFor(tokenSource: AccessTokenSource): SchemaStore {
  return new SchemaStore(async () => clientFor(tokenSource), { fallbackDatabase: () => 'Samples' });
}

function describeNode(node: ExplorerNode): string {
  switch (node.type) {
    case 'loading':
    case 'error':
    case 'signInRequired':
    case 'empty':
      return `${node.type}: ${node.message}${node.type === 'error' && node.code ? ` (${node.code})` : ''}`;
    case 'group':
      return `${node.name} (${node.count})`;
    case 'folder':
      return `[${node.path}]`;
    case 'function':
      return `${node.name}()`;
    default:
      return node.name;
  }
}

/** Expands a node, waiting for its load when it shows "Loading…". */
async function expand(model: ExplorerModel, store: SchemaStore, node: ExplorerNode): Promise<ExplorerNode[]> {
  let children = model.children(node);
  if (children.length === 1 && children[0]!.type === 'loading') {
    await new Promise<void>((resolve) => {
      const subscription = store.onDidChange(() => {
        subscription.dispose();
        resolve();
      });
    });
    children = model.children(node);
  }
  return children;
}

function find(nodes: ExplorerNode[], label: string): ExplorerNode {
  const node = nodes.find((n) => describeNode(n) === label);
  assert.ok(node, `expected "${label}" among ${nodes.map(describeNode).join(', ')}`);
  return node;
}

describe('schema from the local Kusto server', function () {
  this.timeout(60_000);
  let stack: LocalStack;

  before(async () => {
    stack = await startLocalStack({ signInPort: 0, kustoPort: 0 });
  });

  after(async () => {
    await stack?.close();
  });

  it('lists databases and builds the tree of several databases', async () => {
    const store = storeFor(tokenSourceFor(stack, 'alice@contoso.com'));
    const model = new ExplorerModel(store);
    model.setClusters([{ url: stack.kusto.url, name: 'local', defaultDatabase: 'Samples' }]);
    const [cluster] = model.roots();
    assert.ok(cluster);

    const databases = await expand(model, store, cluster);
    assert.deepEqual(databases.map(describeNode), ['ContosoSales', 'Samples', 'SecurityLogs']);

    const samples = find(databases, 'Samples');
    const samplesGroups = await expand(model, store, samples);
    assert.deepEqual(samplesGroups.map(describeNode), ['Tables (5)', 'Materialized Views (1)', 'External Tables (1)', 'Functions (2)']);
    const tableFolders = model.children(find(samplesGroups, 'Tables (5)'));
    assert.deepEqual(tableFolders.map(describeNode), ['[Demographics]', '[Diagnostics]', '[Storm_Events]']);
    // A small database's folders open by themselves, so its tables are one click away.
    assert.ok(tableFolders.every((folder) => folder.type === 'folder' && folder.startExpanded));
    const diagnostics = model.children(find(tableFolders, '[Diagnostics]'));
    assert.deepEqual(diagnostics.map(describeNode), ['[Diagnostics/Types]', 'EmptyTable']);
    const stormTables = model.children(find(tableFolders, '[Storm_Events]'));
    assert.deepEqual(stormTables.map(describeNode), ['StormEvents', 'StormEventsLarge']);
    const stormColumns = model.children(stormTables[0]!);
    assert.equal(stormColumns.length, 22);
    const state = stormColumns.find((c) => c.name === 'State');
    assert.ok(state?.type === 'column');
    assert.equal(state.column.type, 'string');
    assert.equal(state.column.docString, 'The state the storm event occurred in');

    const functions = model.children(find(samplesGroups, 'Functions (2)'));
    assert.deepEqual(functions.map(describeNode), ['[Storm_Events]', 'TopDamagingStorms()']);
    const stormsInState = model.children(functions[0]!)[0]!;
    assert.ok(stormsInState.type === 'function');
    assert.deepEqual(stormsInState.fn.parameters.map((p) => `${p.name}: ${p.type}${p.defaultValue ? ` = ${p.defaultValue}` : ''}`), [
      'state: string',
      'minDamage: long = 0',
    ]);
    const views = model.children(find(samplesGroups, 'Materialized Views (1)'));
    const view = model.children(views[0]!)[0]!;
    assert.ok(view.type === 'materializedView');
    assert.equal(view.table.sourceTable, 'StormEvents');
    assert.ok(view.table.columns.some((c) => c.name === 'State'));

    const contoso = await expand(model, store, find(databases, 'ContosoSales'));
    assert.deepEqual(contoso.map(describeNode), ['Tables (3)', 'Functions (1)']);
    assert.deepEqual(model.children(contoso[0]!).map(describeNode), ['[Dimensions]', '[Facts]']);

    // The schema text of a whole database names every table and function.
    const loaded = store.peekSchema(stack.kusto.url, 'Samples');
    assert.ok(loaded?.status === 'loaded');
    const csl = databaseCsl(loaded.value);
    assert.match(csl, /\.create-merge table PopulationData \(State: string, Population: long\) with \(folder = "Demographics"/);
    assert.match(csl, /\.create-or-alter function with \(folder = "Storm_Events", docstring = "[^"]+"\) StormsInState\(state: string, minDamage: long = 0\)/);

    // The filter narrows the loaded databases and hides the ones without a match.
    model.setFilter('population');
    const filteredDatabases = model.children(cluster);
    assert.deepEqual(filteredDatabases.map(describeNode), ['Samples', 'SecurityLogs']);
    const filteredGroups = model.children(find(filteredDatabases, 'Samples'));
    assert.deepEqual(filteredGroups.map(describeNode), ['Tables (1)']);
  });

  it('shows what a user may not read as an error, and a missing sign-in as a sign-in item', async () => {
    // bob@fabrikam.com may not read SecurityLogs on the local server.
    const store = storeFor(tokenSourceFor(stack, 'bob@fabrikam.com'));
    const model = new ExplorerModel(store);
    model.setClusters([{ url: stack.kusto.url, name: 'local', defaultDatabase: 'Samples' }]);
    const [cluster] = model.roots();
    const databases = await expand(model, store, cluster!);
    // A database bob cannot read is not listed.
    assert.deepEqual(databases.map(describeNode), ['ContosoSales', 'Samples']);
    await assert.rejects(store.loadDatabaseSchema(stack.kusto.url, 'SecurityLogs'), (error: Error & { kind?: string }) => error.kind === 'forbidden');
    const denied = model.databaseNode(stack.kusto.url, 'SecurityLogs') ?? {
      type: 'database' as const, id: 'db|denied', clusterUrl: stack.kusto.url, database: 'SecurityLogs', name: 'SecurityLogs', info: { name: 'SecurityLogs' }, hasFilterMatches: false,
    };
    const [problem] = model.children(denied);
    assert.equal(problem?.type, 'error');
    assert.match(describeNode(problem!), /SecurityLogs|not authorized|Forbidden/i);

    const signedOut = storeFor({ getToken: async (clusterUrl) => Promise.reject(new SignInRequiredError(clusterUrl, 'no account is signed in')) });
    const signedOutModel = new ExplorerModel(signedOut);
    signedOutModel.setClusters([{ url: stack.kusto.url, name: 'local', defaultDatabase: 'Samples' }]);
    const signInItems = await expand(signedOutModel, signedOut, signedOutModel.roots()[0]!);
    assert.deepEqual(signInItems.map(describeNode), ['signInRequired: Sign in to see databases']);

    // A token minted for another cluster is refused by this one (401) and also asks for sign-in.
    const wrongAudience = storeFor({ getToken: () => getTestAccessToken(stack.signIn, 'https://help.kusto.windows.net', 'alice@contoso.com') });
    const wrongModel = new ExplorerModel(wrongAudience);
    wrongModel.setClusters([{ url: stack.kusto.url, name: 'local', defaultDatabase: 'Samples' }]);
    const wrongItems = await expand(wrongModel, wrongAudience, wrongModel.roots()[0]!);
    assert.deepEqual(wrongItems.map(describeNode), ['signInRequired: Sign in to see databases']);
  });

  it('asks to sign in after sign-out and shows the databases again after sign-in', async () => {
    let signedIn = true;
    const tokens = tokenSourceFor(stack, 'alice@contoso.com');
    const store = storeFor({
      getToken: (clusterUrl, options) =>
        signedIn ? tokens.getToken(clusterUrl, options) : Promise.reject(new SignInRequiredError(clusterUrl, 'signed out')),
    });
    const model = new ExplorerModel(store);
    model.setClusters([{ url: stack.kusto.url, name: 'local', defaultDatabase: 'Samples' }]);
    const cluster = model.roots()[0]!;
    assert.equal((await expand(model, store, cluster)).length, 3);

    signedIn = false;
    await store.refreshAfterSessionChange(async () => signedIn);
    assert.deepEqual((await expand(model, store, cluster)).map(describeNode), ['signInRequired: Sign in to see databases']);

    signedIn = true;
    await store.refreshAfterSessionChange(async () => signedIn);
    assert.deepEqual((await expand(model, store, cluster)).map(describeNode), ['ContosoSales', 'Samples', 'SecurityLogs']);
  });
});
