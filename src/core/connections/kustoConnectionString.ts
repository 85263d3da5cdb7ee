// Kusto connection strings (MicrosoftDocs/dataexplorer-docs, kusto/api/connection-strings/kusto.md): a
// semicolon-delimited list of name=value pairs, optionally prefixed by one URI (`https://help.kusto.windows.net/Samples;
// Fed=true`), or the shorthand `@help/Samples`. Names are case-insensitive with synonyms and spaces ignored; values
// are case-sensitive, and a value holding ';', "'" or '"' is enclosed in double quotes (ADO.NET style: a doubled quote
// inside stands for one). Also the import of Kusto.Explorer's exported connections file, whose entries carry one.

import { isLoopbackHost, parseClusterUrl, tryParseClusterUrl } from '../clusterUrl';
import { isMonitorProxyHost, looksLikeMonitorProxyPath } from '../monitorProxy';

/** The properties this extension understands, by their documented name. */
export type KnownProperty =
  | 'Data Source'
  | 'Initial Catalog'
  | 'AAD Federated Security'
  | 'Authority Id'
  | 'User ID'
  | 'Application Client Id'
  | 'Application Key'
  | 'Application Certificate Thumbprint'
  | 'User Token'
  | 'Application Token'
  | 'Enforce MFA'
  | 'Query Consistency'
  | 'Client Version for Tracing'
  | 'User Name for Tracing'
  | 'Application Name for Tracing'
  | 'Accept'
  | 'Streaming'
  | 'Uncompressed'
  | 'Namespace'
  | 'Application Certificate Subject Distinguished Name'
  | 'Application Certificate Issuer Distinguished Name'
  | 'Application Certificate Send Public Certificate';

const SYNONYMS: ReadonlyArray<readonly [KnownProperty, readonly string[]]> = [
  ['Data Source', ['Addr', 'Address', 'Network Address', 'Server']],
  ['Initial Catalog', ['Database']],
  ['AAD Federated Security', ['Federated Security', 'Federated', 'Fed', 'AADFed']],
  ['Authority Id', ['TenantId', 'Authority']],
  ['User ID', ['UID', 'User']],
  ['Application Client Id', ['AppClientId']],
  ['Application Key', ['AppKey']],
  ['Application Certificate Thumbprint', ['AppCert']],
  ['User Token', ['UsrToken', 'UserToken']],
  ['Application Token', ['AppToken']],
  ['Enforce MFA', ['MFA', 'EnforceMFA']],
  ['Query Consistency', ['QueryConsistency']],
  ['Client Version for Tracing', []],
  ['User Name for Tracing', []],
  ['Application Name for Tracing', ['TraceAppName']],
  ['Accept', []],
  ['Streaming', []],
  ['Uncompressed', []],
  ['Namespace', ['NS']],
  ['Application Certificate Subject Distinguished Name', ['Application Certificate Subject']],
  ['Application Certificate Issuer Distinguished Name', ['Application Certificate Issuer']],
  ['Application Certificate Send Public Certificate', ['Application Certificate SendX5c', 'SendX5c']],
];

/** Spaces and case do not matter in names. */
function nameKey(name: string): string {
  return name.replace(/\s+/g, '').toLowerCase();
}

const PROPERTY_BY_KEY = new Map<string, KnownProperty>(
  SYNONYMS.flatMap(([property, synonyms]) => [property, ...synonyms].map((name) => [nameKey(name), property] as const)),
);

const BOOLEAN_PROPERTIES: ReadonlySet<KnownProperty> = new Set([
  'AAD Federated Security',
  'Enforce MFA',
  'Accept',
  'Streaming',
  'Uncompressed',
  'Application Certificate Send Public Certificate',
]);

export class ConnectionStringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionStringError';
  }
}

export type ConnectionSignIn =
  | { readonly kind: 'user'; readonly userHint?: string }
  | { readonly kind: 'servicePrincipal'; readonly clientId: string; readonly credential: 'secret' | 'certificate' };

export interface ParsedConnectionString {
  readonly properties: ReadonlyMap<KnownProperty, string>;
  /** Canonical cluster URL (scheme + host). */
  readonly clusterUrl: string;
  readonly database?: string;
  readonly tenant?: string;
  readonly signIn: ConnectionSignIn;
  /** Things the user should know: secrets that were not kept, properties without effect here. */
  readonly notes: readonly string[];
}

/** Splits into [name, value] pairs (and the URI prefix, if any), honouring quotes; errors name the bad part. */
export function splitConnectionString(text: string): { prefix?: string; pairs: Array<[string, string]> } {
  const pairs: Array<[string, string]> = [];
  let prefix: string | undefined;
  let index = 0;
  let first = true;
  while (index < text.length) {
    while (index < text.length && (/\s/.test(text[index]) || text[index] === ';')) index++;
    if (index >= text.length) break;
    const start = index;
    // The name runs to '='; a first segment without '=' is the URI prefix.
    let equals = -1;
    let scan = index;
    while (scan < text.length && text[scan] !== ';') {
      if (text[scan] === '=') {
        equals = scan;
        break;
      }
      scan++;
    }
    const looksLikeUri = first && /^\s*(@|[a-z][a-z0-9+.-]*:\/\/)/i.test(text.slice(start));
    if (looksLikeUri && (equals < 0 || /^[a-z][a-z0-9+.-]*:\/\//i.test(text.slice(start, equals).trim()) || text[start] === '@')) {
      const end = text.indexOf(';', start);
      prefix = text.slice(start, end < 0 ? text.length : end).trim();
      index = end < 0 ? text.length : end + 1;
      first = false;
      continue;
    }
    first = false;
    if (equals < 0) {
      const segment = text.slice(start, scan).trim();
      throw new ConnectionStringError(`"${segment}" is not a name=value pair; write it as Name=Value (pairs are separated by ';').`);
    }
    const name = text.slice(start, equals).trim();
    if (!name) throw new ConnectionStringError(`A value at position ${equals + 1} has no property name before '='.`);
    index = equals + 1;
    while (index < text.length && text[index] === ' ') index++;
    let value: string;
    const quote = text[index];
    if (quote === '"' || quote === "'") {
      let result = '';
      let position = index + 1;
      for (;;) {
        if (position >= text.length) {
          throw new ConnectionStringError(`The value of "${name}" starts with ${quote} but is never closed; close it with ${quote}.`);
        }
        if (text[position] === quote) {
          if (text[position + 1] === quote) {
            result += quote;
            position += 2;
            continue;
          }
          position++;
          break;
        }
        result += text[position++];
      }
      while (position < text.length && /\s/.test(text[position])) position++;
      if (position < text.length && text[position] !== ';') {
        throw new ConnectionStringError(`Unexpected text after the quoted value of "${name}": "${text.slice(position, position + 20)}"; end the value with ';'.`);
      }
      value = result;
      index = position + 1;
    } else {
      const end = text.indexOf(';', index);
      value = text.slice(index, end < 0 ? text.length : end).trim();
      if (/["']/.test(value)) {
        throw new ConnectionStringError(`The value of "${name}" contains a quote: enclose the whole value in double quotes ("...").`);
      }
      index = end < 0 ? text.length : end + 1;
    }
    pairs.push([name, value]);
  }
  return { ...(prefix !== undefined ? { prefix } : {}), pairs };
}

function parseBoolean(property: KnownProperty, value: string): boolean {
  if (/^(true|yes)$/i.test(value)) return true;
  if (/^(false|no)$/i.test(value)) return false;
  throw new ConnectionStringError(`"${property}" must be true or false, not "${value}".`);
}

/** Parses a Kusto connection string into a cluster connection; every error names the part that is wrong. */
export function parseKustoConnectionString(text: string): ParsedConnectionString {
  if (!text.trim()) throw new ConnectionStringError('The connection string is empty; paste one like "Data Source=https://mycluster.kusto.windows.net;Initial Catalog=MyDatabase".');
  const { prefix, pairs } = splitConnectionString(text);
  const properties = new Map<KnownProperty, string>();
  const notes: string[] = [];
  if (prefix !== undefined) {
    const shorthand = /^@([^/\s]+)(?:\/(.+))?$/.exec(prefix);
    let uri = prefix;
    if (shorthand) {
      const cluster = shorthand[1];
      uri = `https://${cluster.includes('.') ? cluster : `${cluster}.kusto.windows.net`}${shorthand[2] ? `/${shorthand[2]}` : ''}`;
      properties.set('AAD Federated Security', 'true');
    }
    addUri(properties, uri, 'the URI at the start');
  }
  for (const [name, value] of pairs) {
    const property = PROPERTY_BY_KEY.get(nameKey(name));
    if (!property) {
      throw new ConnectionStringError(`Unknown property "${name}". Known ones include Data Source, Initial Catalog, AAD Federated Security (Fed), Authority Id, User ID, Application Client Id, Application Key.`);
    }
    if (BOOLEAN_PROPERTIES.has(property)) parseBoolean(property, value);
    if (property === 'Data Source') {
      addUri(properties, value, '"Data Source"');
      continue;
    }
    properties.set(property, value);
  }
  const dataSource = properties.get('Data Source');
  if (!dataSource) throw new ConnectionStringError('The connection string has no "Data Source" (e.g. Data Source=https://mycluster.kusto.windows.net).');
  const endpoint = tryParseClusterUrl(dataSource);
  if (!endpoint) throw new ConnectionStringError(`"Data Source" is not a cluster URL: "${dataSource}" (expected https://<cluster>.<region>.kusto.windows.net).`);

  if (properties.has('User Token') || properties.has('Application Token')) {
    notes.push('The token in the connection string was not used or kept: the extension signs in itself and keeps tokens in secret storage only.');
  }
  if (properties.has('Application Key')) {
    notes.push('The application key was not kept from the connection string (it would land in settings): you are asked for it, into secret storage, when you sign in.');
  }
  if (properties.get('AAD Federated Security') !== undefined && !parseBoolean('AAD Federated Security', properties.get('AAD Federated Security')!)) {
    notes.push('"AAD Federated Security" is false, but clusters on Azure need Microsoft Entra sign-in: the extension signs in anyway.');
  }
  const clientId = properties.get('Application Client Id');
  const signIn: ConnectionSignIn = clientId
    ? { kind: 'servicePrincipal', clientId, credential: properties.has('Application Certificate Thumbprint') ? 'certificate' : 'secret' }
    : { kind: 'user', ...(properties.get('User ID') ? { userHint: properties.get('User ID') } : {}) };
  const database = properties.get('Initial Catalog');
  const tenant = properties.get('Authority Id');
  return {
    properties,
    clusterUrl: endpoint.url,
    ...(database && database.toLowerCase() !== 'netdefaultdb' ? { database } : {}),
    ...(tenant ? { tenant } : {}),
    signIn,
    notes,
  };
}

/** A URI's origin is the Data Source; a path segment is the Initial Catalog (unless given explicitly). */
function addUri(properties: Map<KnownProperty, string>, value: string, where: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConnectionStringError(`${where} is not a URL: "${value}" (expected https://<cluster>.kusto.windows.net[/Database]).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConnectionStringError(`${where} uses "${url.protocol}", which this extension cannot connect to; use the cluster's https:// URL.`);
  }
  if (isMonitorProxyHost(url.hostname) || (isLoopbackHost(url.hostname) && looksLikeMonitorProxyPath(url.pathname))) {
    // An Azure Monitor proxy URL: its path names the workspace/app (the cluster), not a database.
    let endpoint;
    try {
      endpoint = parseClusterUrl(value);
    } catch (error) {
      throw new ConnectionStringError(`${where} ${error instanceof Error ? error.message.replace(/^"[^"]*" is not/, 'is not') : String(error)}`);
    }
    properties.set('Data Source', endpoint.url);
    if (endpoint.monitor?.database && !properties.has('Initial Catalog')) properties.set('Initial Catalog', endpoint.monitor.database);
    return;
  }
  properties.set('Data Source', `${url.protocol}//${url.host}`);
  const path = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
  if (path && !properties.has('Initial Catalog')) properties.set('Initial Catalog', path);
}

export interface ImportedConnection {
  readonly name: string;
  readonly connectionString: string;
}

/**
 * The connections in a file exported by Kusto.Explorer (Connections → Export): XML with one
 * <ServerDescriptionBase> per connection holding <Name> and <ConnectionString>.
 */
export function readKustoExplorerConnections(xml: string): ImportedConnection[] {
  if (/<\s*ArrayOfServerGroupDescription\b/.test(xml) && !/<\s*ServerDescriptionBase\b/.test(xml)) {
    // The documented groups file (%LOCALAPPDATA%\Kusto.Explorer\UserConnectionGroups.xml) lists connection files.
    const files = [...xml.matchAll(/<Details>([\s\S]*?)<\/Details>/g)].map((m) => xmlText(m[1])).filter(Boolean);
    throw new ConnectionStringError(
      `This is Kusto.Explorer's list of connection groups, not a connections file; import the file${files.length === 1 ? '' : 's'} it names instead${files.length ? `: ${files.join(', ')}` : ''}.`,
    );
  }
  if (!/<\s*ArrayOfServerDescriptionBase\b|<\s*ServerDescriptionBase\b/.test(xml)) {
    throw new ConnectionStringError('This file is not a Kusto.Explorer connections export (no <ServerDescriptionBase> entries).');
  }
  const connections: ImportedConnection[] = [];
  for (const match of xml.matchAll(/<ServerDescriptionBase\b[^>]*>([\s\S]*?)<\/ServerDescriptionBase>/g)) {
    const body = match[1];
    const name = xmlText(/<Name>([\s\S]*?)<\/Name>/.exec(body)?.[1]);
    const connectionString = xmlText(/<ConnectionString>([\s\S]*?)<\/ConnectionString>/.exec(body)?.[1]);
    if (connectionString) connections.push({ name: name || '', connectionString });
  }
  return connections;
}

/**
 * The text of a connections file as read from disk: .NET writes XML as UTF-8 (with or without a byte order mark)
 * or, when asked, UTF-16 with a byte order mark; the mark decides.
 */
export function decodeXmlFileBytes(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes);
}

function xmlText(text: string | undefined): string {
  if (text === undefined) return '';
  return text
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}
