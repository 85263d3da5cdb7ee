import * as assert from 'node:assert/strict';
import {
  ConnectionStringError,
  parseKustoConnectionString,
  readKustoExplorerConnections,
  splitConnectionString,
} from '../../src/core/connections/kustoConnectionString';

describe('Kusto connection strings', () => {
  it('reads the documented URI-prefixed example', () => {
    const parsed = parseKustoConnectionString('https://help.kusto.windows.net/Samples; Fed=true; Accept=true');
    assert.equal(parsed.clusterUrl, 'https://help.kusto.windows.net');
    assert.equal(parsed.database, 'Samples');
    assert.equal(parsed.properties.get('AAD Federated Security'), 'true');
    assert.equal(parsed.properties.get('Accept'), 'true');
    assert.deepEqual(parsed.signIn, { kind: 'user' });
  });

  it('reads the @cluster/database shorthand', () => {
    const parsed = parseKustoConnectionString('@help/Samples');
    assert.equal(parsed.clusterUrl, 'https://help.kusto.windows.net');
    assert.equal(parsed.database, 'Samples');
  });

  it('names are case-insensitive with synonyms and spaces ignored; values keep their case', () => {
    for (const text of [
      'Data Source=https://MyCluster.westeurope.kusto.windows.net;Initial Catalog=MyDB;AAD Federated Security=True',
      'server=https://MyCluster.westeurope.kusto.windows.net; database=MyDB; fed=true',
      'ADDR = https://mycluster.westeurope.kusto.windows.net ; DATABASE = MyDB ; AADFed=true;',
      'networkaddress=https://mycluster.westeurope.kusto.windows.net;InitialCatalog=MyDB',
    ]) {
      const parsed = parseKustoConnectionString(text);
      assert.equal(parsed.clusterUrl, 'https://mycluster.westeurope.kusto.windows.net', text);
      assert.equal(parsed.database, 'MyDB', text);
    }
  });

  it('maps the documented AAD examples to sign-in ways and tenants', () => {
    const user = parseKustoConnectionString('Data Source=https://c.kusto.windows.net;Database=NetDefaultDB;Fed=True;User ID=johndoe@contoso.com;Authority Id=contoso.com');
    assert.deepEqual(user.signIn, { kind: 'user', userHint: 'johndoe@contoso.com' });
    assert.equal(user.tenant, 'contoso.com');
    assert.equal(user.database, undefined, 'NetDefaultDB names no database');

    const app = parseKustoConnectionString('Data Source=https://c.kusto.windows.net;Database=NetDefaultDB;Fed=True;AppClientId=11111111-2222-3333-4444-555555555555;AppKey=s3cr3t;Authority Id=72f988bf-86f1-41af-91ab-2d7cd011db47');
    assert.deepEqual(app.signIn, { kind: 'servicePrincipal', clientId: '11111111-2222-3333-4444-555555555555', credential: 'secret' });
    assert.equal(app.tenant, '72f988bf-86f1-41af-91ab-2d7cd011db47');
    assert.ok(app.notes.some((n) => /application key was not kept/.test(n)));

    const cert = parseKustoConnectionString('Data Source=https://c.kusto.windows.net;Fed=True;AppClientId=abc;AppCert=0123456789ABCDEF');
    assert.deepEqual(cert.signIn, { kind: 'servicePrincipal', clientId: 'abc', credential: 'certificate' });

    const token = parseKustoConnectionString('Data Source=https://c.kusto.windows.net;Fed=True;UserToken=eyJ0eXAi');
    assert.ok(token.notes.some((n) => /token .* was not used or kept/.test(n)));
  });

  it('honours quoting: ; \' and " inside double quotes, doubled quotes inside', () => {
    const { pairs } = splitConnectionString('Data Source=https://c.kusto.windows.net;User ID="a;b ""c"" \'d\'";Initial Catalog=\'x;y\'');
    assert.deepEqual(pairs, [
      ['Data Source', 'https://c.kusto.windows.net'],
      ['User ID', 'a;b "c" \'d\''],
      ['Initial Catalog', 'x;y'],
    ]);
  });

  it('malformed strings get an error naming the bad part', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['Initial Catalog=Samples', /no "Data Source"/],
      ['Data Source=https://c.kusto.windows.net;Colour=blue', /Unknown property "Colour"/],
      ['Data Source=https://c.kusto.windows.net;Fed=maybe', /"AAD Federated Security" must be true or false, not "maybe"/],
      ['Data Source=https://c.kusto.windows.net;User ID="open', /"User ID" starts with " but is never closed/],
      ['Data Source=https://c.kusto.windows.net;User ID=it\'s', /contains a quote: enclose the whole value/],
      ['Data Source=not a url', /"Data Source" is not a URL: "not a url"/],
      ['Data Source=net.tcp://localhost', /uses "net.tcp:"/],
      ['Data Source=https://c.kusto.windows.net;Samples', /"Samples" is not a name=value pair/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => parseKustoConnectionString(text), (error: unknown) => error instanceof ConnectionStringError && message.test(error.message), text);
    }
  });
});

describe('Kusto.Explorer connections file', () => {
  it('reads each connection name and connection string (XML entities decoded)', () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<ArrayOfServerDescriptionBase xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <ServerDescriptionBase xsi:type="ServerDescription">
    <Name>help</Name>
    <Details>Samples</Details>
    <ConnectionString>Data Source=https://help.kusto.windows.net;Initial Catalog=Samples;AAD Federated Security=True</ConnectionString>
  </ServerDescriptionBase>
  <ServerDescriptionBase xsi:type="ServerDescription">
    <Name>Logs &amp; Metrics</Name>
    <ConnectionString>Data Source=https://logs.westus.kusto.windows.net;Fed=True;User ID="a&amp;b"</ConnectionString>
  </ServerDescriptionBase>
</ArrayOfServerDescriptionBase>`;
    const connections = readKustoExplorerConnections(xml);
    assert.deepEqual(connections.map((c) => c.name), ['help', 'Logs & Metrics']);
    assert.equal(parseKustoConnectionString(connections[1].connectionString).properties.get('User ID'), 'a&b');
    assert.equal(parseKustoConnectionString(connections[0].connectionString).database, 'Samples');
  });

  it('says so when a file is not a Kusto.Explorer export', () => {
    assert.throws(() => readKustoExplorerConnections('{"clusters": []}'), /not a Kusto.Explorer connections export/);
  });
});
