// Kusto.Explorer's connections files in the shapes its documentation shows (MicrosoftDocs/dataexplorer-docs,
// `kusto-explorer-using.md`, "Format of connection list files" and the connection groups file), as read from disk.

import * as assert from 'node:assert/strict';
import { decodeXmlFileBytes, parseKustoConnectionString, readKustoExplorerConnections } from '../../src/core/connections/kustoConnectionString';

// The documented example, verbatim in shape: xsi:type, Details, a :443 port and "Federated Security".
const DOCUMENTED = `<?xml version="1.0"?>
<ArrayOfServerDescriptionBase xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <ServerDescriptionBase xsi:type="ServerDescription">
    <Name>Help</Name>
    <Details>https://help.kusto.windows.net</Details>
    <ConnectionString>Data Source=https://help.kusto.windows.net:443;Federated Security=True</ConnectionString>
  </ServerDescriptionBase>
  <ServerDescriptionBase xsi:type="ServerDescription">
    <Name>Contoso logs</Name>
    <Details>https://ade.loganalytics.io/subscriptions/7d2f4a1c-5b3e-4c8d-9a6f-1e2b3c4d5e6f/resourcegroups/monitoring-rg/providers/microsoft.operationalinsights/workspaces/ContosoLogs</Details>
    <ConnectionString>Data Source=https://ade.loganalytics.io/subscriptions/7d2f4a1c-5b3e-4c8d-9a6f-1e2b3c4d5e6f/resourcegroups/monitoring-rg/providers/microsoft.operationalinsights/workspaces/ContosoLogs;Federated Security=True;Authority Id=contoso.onmicrosoft.com</ConnectionString>
  </ServerDescriptionBase>
</ArrayOfServerDescriptionBase>`;

describe("Kusto.Explorer's documented connections files", () => {
  it('reads the documented connection list, a Log Analytics workspace included', () => {
    const connections = readKustoExplorerConnections(DOCUMENTED);
    assert.deepEqual(connections.map((c) => c.name), ['Help', 'Contoso logs']);
    const help = parseKustoConnectionString(connections[0].connectionString);
    assert.equal(help.clusterUrl, 'https://help.kusto.windows.net', 'the default port is dropped');
    assert.equal(help.properties.get('AAD Federated Security'), 'True');
    const workspace = parseKustoConnectionString(connections[1].connectionString);
    assert.equal(workspace.clusterUrl, 'https://ade.loganalytics.io/subscriptions/7d2f4a1c-5b3e-4c8d-9a6f-1e2b3c4d5e6f/resourcegroups/monitoring-rg/providers/microsoft.operationalinsights/workspaces/ContosoLogs');
    assert.equal(workspace.database, 'ContosoLogs');
    assert.equal(workspace.tenant, 'contoso.onmicrosoft.com');
  });

  it('reads the file whatever encoding .NET wrote it in (UTF-8 with or without BOM, UTF-16 with BOM)', () => {
    const utf8 = Buffer.from(DOCUMENTED, 'utf8');
    const utf8Bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(DOCUMENTED.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-16"?>'), 'utf16le')]);
    const utf16be = Buffer.from(utf16le);
    utf16be.swap16();
    for (const bytes of [utf8, utf8Bom, utf16le, utf16be]) {
      assert.deepEqual(readKustoExplorerConnections(decodeXmlFileBytes(bytes)).map((c) => c.name), ['Help', 'Contoso logs']);
    }
  });

  it('points from the documented connection groups file to the files it lists', () => {
    const groups = `<?xml version="1.0"?>
<ArrayOfServerGroupDescription xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <ServerGroupDescription>
    <Name>Connections</Name>
    <Details>C:\\Users\\alexans\\AppData\\Local\\Kusto.Explorer\\UserConnections.xml</Details>
  </ServerGroupDescription>
</ArrayOfServerGroupDescription>`;
    assert.throws(() => readKustoExplorerConnections(groups), /list of connection groups.*import the file it names instead: C:\\Users\\alexans\\AppData\\Local\\Kusto\.Explorer\\UserConnections\.xml/);
  });
});
