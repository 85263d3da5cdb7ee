// A level of thousands of tables is shown as stretches of at most a few hundred: VS Code's tree sends, lays out and
// keeps every child of an expanded node, so 5,000 siblings made each expand cost seconds (issue 20, point 4).
import * as assert from 'node:assert/strict';
import { ExplorerModel, type ExplorerNode } from '../../src/core/schema/explorerModel';
import type { DatabaseSchema, TableSchema } from '../../src/core/schema/schemaModel';
import type { SchemaStore } from '../../src/core/schema/schemaStore';
import { MAX_ENTITIES_PER_LEVEL } from '../../src/core/schema/schemaTree';

function table(name: string, folder = ''): TableSchema {
  return { kind: 'table', name, folder, docString: '', columns: [{ name: 'Id', type: 'long', docString: '' }] } as unknown as TableSchema;
}

function modelWith(tables: TableSchema[]): { model: ExplorerModel; group: ExplorerNode } {
  const schema = { name: 'Wide', tables, materializedViews: [], externalTables: [], functions: [] } as unknown as DatabaseSchema;
  const store = {
    peekSchema: () => ({ status: 'loaded', value: schema }),
    peekDatabases: () => undefined,
    loadDatabases: async () => [],
    loadDatabaseSchema: async () => schema,
  } as unknown as SchemaStore;
  const model = new ExplorerModel(store);
  const group: ExplorerNode = { type: 'group', id: 'g', clusterUrl: 'https://c', database: 'Wide', name: 'Tables', group: 'tables', count: tables.length };
  return { model, group };
}

const names = (nodes: readonly ExplorerNode[]): string[] => nodes.map((node) => node.name);

describe('explorer: long levels', () => {
  const wide = Array.from({ length: 5000 }, (_, index) => table(`Table_${String(index).padStart(4, '0')}`));

  it('shows 5,000 tables as ten stretches of 500, each listing its tables in order', () => {
    const { model, group } = modelWith(wide);
    const stretches = model.children(group);
    assert.equal(stretches.length, 10);
    assert.equal(stretches[0]!.name, 'Table_0000 … Table_0499');
    assert.equal(stretches[9]!.name, 'Table_4500 … Table_4999');
    assert.ok(stretches.every((node) => node.type === 'folder' && model.hasChildren(node)));
    assert.equal(new Set(stretches.map((node) => node.id)).size, 10, 'ids are unique');
    const first = model.children(stretches[0]!);
    assert.equal(first.length, 500);
    assert.deepEqual(names(first).slice(0, 2), ['Table_0000', 'Table_0001']);
    const all = stretches.flatMap((stretch) => names(model.children(stretch)));
    assert.deepEqual(all, wide.map((entry) => entry.name), 'every table once, in order');
  });

  it('keeps a level of up to MAX_ENTITIES_PER_LEVEL flat, and a filtered level flat when few match', () => {
    const { model, group } = modelWith(wide.slice(0, MAX_ENTITIES_PER_LEVEL));
    assert.equal(model.children(group).length, MAX_ENTITIES_PER_LEVEL);
    const filtered = modelWith(wide);
    filtered.model.setFilter('table_042');
    assert.deepEqual(names(filtered.model.children(filtered.group)), Array.from({ length: 10 }, (_, index) => `Table_042${index}`));
  });

  it('splits only the long level: folders stay, their own long levels split too', () => {
    const tables = [table('Lonely', 'Area'), ...wide.map((entry) => table(entry.name, 'Big'))];
    const { model, group } = modelWith(tables);
    const top = model.children(group);
    assert.deepEqual(names(top), ['Area', 'Big']);
    assert.equal(model.children(top[1]!).length, 10);
    assert.deepEqual(names(model.children(top[0]!)), ['Lonely']);
  });
});
