// A database with thousands of tables, as production clusters have: what the explorer must expand and filter
// quickly. Served only by a server started with it in `extraDatabases` (the default catalog stays small).

import type { DatabaseDefinition, TableDefinition } from './sampleData';

/** `tableCount` tables named Table_00000…, no folders (the flat case is the hard one), a few columns, no rows. */
export function wideDatabase(name = 'Wide', tableCount = 5000): DatabaseDefinition {
  const tables: TableDefinition[] = [];
  const digits = String(tableCount - 1).length;
  for (let index = 0; index < tableCount; index++) {
    tables.push({
      name: `Table_${String(index).padStart(digits, '0')}`,
      folder: '',
      docString: '',
      columns: [
        { name: 'Timestamp', type: 'datetime' },
        { name: 'Name', type: 'string' },
        { name: `Value_${index % 97}`, type: 'long' },
        { name: 'Properties', type: 'dynamic' },
      ],
      rowCount: 0,
      rows: () => [],
    });
  }
  return {
    name,
    databaseId: '5e1d7c3a-0b4f-4e8a-9d2c-7f6a5b4c3d21',
    majorVersion: 1,
    minorVersion: 0,
    tables,
    materializedViews: [],
    externalTables: [],
    functions: [],
  };
}
