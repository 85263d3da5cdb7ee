// A local, Kusto-compatible HTTP server: the real REST endpoints and wire formats over generated sample data,
// bearer-token checks like a cluster, and injectable faults for tests. Listens on 127.0.0.1 only.

import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import * as zlib from 'node:zlib';
import { compileQuery } from './kqlEngine';
import {
  KustoServiceError,
  RequestContext,
  badRequest,
  databaseNotFound,
  forbidden,
  newRequestContext,
  oneApiErrorBody,
  serviceFailure,
  throttled,
  unauthorized,
} from './kustoErrors';
import { runManagementCommand } from './managementCommands';
import {
  BodySink,
  ClientDisconnectedError,
  ResultLimits,
  writeV1ManagementResponse,
  writeV1QueryResponse,
  writeV2QueryResponse,
} from './responseWriters';
import {
  GATEWAY_HTML_PAGE,
  RunningQueries,
  cancelQueryResult,
  cancelledQueryError,
  encodeErrorBody,
  invalidUtf8ErrorBody,
  parseCancelQuery,
  runSlowQuery,
  writeGzipBomb,
} from './realClusterBehaviour';
import { DatabaseDefinition, sampleCatalog } from './sampleData';
import { appendBounded, loopbackHosts, newControlToken, refuseControlRequest } from '../controlAccess';
import { TokenVerificationError, TokenVerifier, VerifiedPrincipal } from './tokenVerifier';
import { MonitorProxySite, MonitorResourceDefinition, assertProxyCommandSupported, findProxyDatabase, matchMonitorProxyPath, sampleMonitorResources } from './monitorProxy';

export { createJwksTokenVerifier, TokenVerificationError } from './tokenVerifier';
export type { TokenVerifier, VerifiedPrincipal, JsonWebKeySet, TokenRejectionReason } from './tokenVerifier';

export interface KustoServerOptions {
  port?: number;
  tokenVerifier: TokenVerifier;
  /** Default: plain http on 127.0.0.1. */
  tls?: { certPem: string; keyPem: string };
  /** upn or app id (case-insensitive) → databases it may NOT read. Default: bob@fabrikam.com cannot read SecurityLogs. */
  accessDeniedDatabases?: Record<string, string[]>;
  /** Never receives token text. */
  log?: (line: string) => void;
  /** Login endpoint advertised by /v1/rest/auth/metadata (the sign-in server's origin). */
  loginEndpoint?: string;
  /** Databases served besides the sample catalog (e.g. wideDatabase() for a 5,000-table database). */
  extraDatabases?: readonly DatabaseDefinition[];
  /** Log Analytics workspaces / Application Insights apps served under their proxy paths (monitorProxy.ts). */
  monitorResources?: readonly MonitorResourceDefinition[];
}

export type KustoFault = (
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; status: 429 | 500 | 503; retryAfterSeconds?: number }
  | { kind: 'dropMidBody' }
  | { kind: 'malformedJson' }
  | { kind: 'truncated' }
  // What gateways and real clusters do (realClusterBehaviour.ts):
  | { kind: 'resetBeforeResponse' }
  | { kind: 'htmlError' }
  | { kind: 'invalidUtf8Error' }
  | { kind: 'gzipBomb'; megabytes: number }
  | { kind: 'ignoreRowLimit' }
  // A body that trickles in (a far cluster, a slow link): a pause after each piece of about 64 KB.
  | { kind: 'slowBody'; pauseMs: number }
) & { times?: number; match?: string };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Request headers without Authorization. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly csl?: string;
  readonly db?: string;
  /** properties.Parameters as received. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly receivedAt: Date;
  /** The audience of the access token that authenticated the request (set once it was verified). */
  readonly tokenAudience?: string;
}

export interface RunningKustoServer {
  /** Cluster URL, which is also the audience tokens must carry, e.g. http://127.0.0.1:8082 */
  readonly url: string;
  injectFault(fault: KustoFault): void;
  clearFaults(): void;
  /** The last requests received (at most MAX_RECORDED_REQUESTS). */
  readonly requests: RecordedRequest[];
  /** Client request ids of running queries that `.cancel query` stopped. */
  readonly cancelledQueries: readonly string[];
  /** Secret for `/_test/faults`: send it as the x-local-control-token header. */
  readonly controlToken: string;
  close(): Promise<void>;
}

export const DEFAULT_ACCESS_DENIED_DATABASES: Readonly<Record<string, string[]>> = {
  'bob@fabrikam.com': ['SecurityLogs'],
};

const DEFAULT_TRUNCATION_MAX_RECORDS = 500_000;
const DEFAULT_TRUNCATION_MAX_SIZE = 64 * 1024 * 1024;
const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;
const SINK_BUFFER_CHARS = 64 * 1024;
const KUSTO_CLIENT_APP_ID = 'db662dc1-0cfe-4e1c-a843-19a68e65be58';
const MAX_RECORDED_REQUESTS = 1_000;

interface ActiveFault {
  fault: KustoFault;
  remaining: number;
}

type BodyFault = 'dropMidBody' | 'malformedJson' | 'truncated';

interface RequestBody {
  db?: string;
  csl: string;
  options: Record<string, unknown>;
  /** properties.Parameters: values of the query's `declare query_parameters`. */
  parameters: Record<string, unknown>;
}

export function validateFault(value: unknown): KustoFault {
  if (value === null || typeof value !== 'object') {
    throw new Error('A fault must be a JSON object such as {"kind":"status","status":503}.');
  }
  const fault = value as Record<string, unknown>;
  const times = fault.times;
  if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) {
    throw new Error('"times" must be a positive integer.');
  }
  if (fault.match !== undefined && typeof fault.match !== 'string') {
    throw new Error('"match" must be a string (a substring of the query text).');
  }
  switch (fault.kind) {
    case 'delay':
      if (typeof fault.ms !== 'number' || fault.ms < 0 || fault.ms > 600_000) {
        throw new Error('A delay fault needs "ms" between 0 and 600000.');
      }
      break;
    case 'status':
      if (![429, 500, 503].includes(fault.status as number)) {
        throw new Error('A status fault needs "status" 429, 500 or 503.');
      }
      if (fault.retryAfterSeconds !== undefined && (typeof fault.retryAfterSeconds !== 'number' || fault.retryAfterSeconds < 0)) {
        throw new Error('"retryAfterSeconds" must be a non-negative number.');
      }
      break;
    case 'dropMidBody':
    case 'malformedJson':
    case 'truncated':
    case 'resetBeforeResponse':
    case 'htmlError':
    case 'invalidUtf8Error':
    case 'ignoreRowLimit':
      break;
    case 'slowBody':
      if (typeof fault.pauseMs !== 'number' || fault.pauseMs < 0 || fault.pauseMs > 10_000) {
        throw new Error('A slowBody fault needs "pauseMs" between 0 and 10000.');
      }
      break;
    case 'gzipBomb':
      if (typeof fault.megabytes !== 'number' || fault.megabytes < 1 || fault.megabytes > 4096) {
        throw new Error('A gzipBomb fault needs "megabytes" between 1 and 4096.');
      }
      break;
    default:
      throw new Error(
        `Unknown fault kind ${JSON.stringify(fault.kind)}; use delay, status, dropMidBody, malformedJson, truncated, ` +
          'resetBeforeResponse, htmlError, invalidUtf8Error, gzipBomb, ignoreRowLimit or slowBody.',
      );
  }
  return fault as unknown as KustoFault;
}

function normalizeUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').toLowerCase();
}

function parseRequestOptions(properties: unknown): Record<string, unknown> {
  let value = properties;
  if (value === undefined || value === null || value === '') {
    return {};
  }
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw badRequest("The request's 'properties' is a string but not valid JSON.");
    }
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest("The request's 'properties' must be a JSON object like {\"Options\":{...}}.");
  }
  const options = (value as Record<string, unknown>).Options ?? (value as Record<string, unknown>).options ?? {};
  if (typeof options !== 'object' || options === null) {
    throw badRequest("The request's 'properties.Options' must be a JSON object.");
  }
  return Object.fromEntries(Object.entries(options as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]));
}

function parseRequestParameters(properties: unknown): Record<string, unknown> {
  const value = typeof properties === 'string' && properties ? (JSON.parse(properties) as unknown) : properties;
  const parameters = value && typeof value === 'object' ? (value as Record<string, unknown>).Parameters : undefined;
  if (parameters === undefined || parameters === null) {
    return {};
  }
  if (typeof parameters !== 'object' || Array.isArray(parameters)) {
    throw badRequest("The request's 'properties.Parameters' must be a JSON object of parameter values.");
  }
  return parameters as Record<string, unknown>;
}

function optionNumber(options: Record<string, unknown>, name: string, fallback: number): number {
  const value = options[name];
  if (value === undefined || value === null) {
    return fallback;
  }
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) {
    throw badRequest(`The request option '${name}' must be a non-negative number, got ${JSON.stringify(value)}.`);
  }
  return number;
}

function optionBoolean(options: Record<string, unknown>, name: string): boolean {
  const value = options[name];
  return value === true || value === 'true' || value === 'True';
}

function principalDescription(principal: VerifiedPrincipal): string {
  return principal.upn ? `aaduser=${principal.objectId};${principal.tenantId}` : `aadapp=${principal.appId ?? principal.objectId};${principal.tenantId}`;
}

class ResponseSink implements BodySink {
  private buffer = '';
  private closed = false;

  constructor(
    private readonly target: Writable,
    response: http.ServerResponse,
    /** slowBody: wait this long after each piece, with the piece pushed out (through gzip too) first. */
    private readonly pauseMs = 0,
  ) {
    response.on('close', () => {
      if (!response.writableFinished) {
        this.closed = true;
      }
    });
  }

  get disconnected(): boolean {
    return this.closed || this.target.destroyed;
  }

  append(text: string): boolean {
    this.buffer += text;
    return this.buffer.length >= SINK_BUFFER_CHARS;
  }

  async flush(): Promise<void> {
    if (!this.buffer || this.disconnected) {
      this.buffer = '';
      return;
    }
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.target.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.target.off('drain', done);
          this.target.off('close', done);
          resolve();
        };
        this.target.on('drain', done);
        this.target.on('close', done);
      });
    }
    if (this.pauseMs > 0) {
      const flushable = this.target as Writable & { flush?: (callback: () => void) => void };
      if (typeof flushable.flush === 'function') await new Promise<void>((resolve) => flushable.flush!(resolve));
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }
}

/** Collects a response in memory (up to a cap) so a body fault can cut or corrupt it. */
class CollectingSink implements BodySink {
  text = '';
  readonly disconnected = false;
  constructor(private readonly capChars: number) {}
  append(text: string): boolean {
    this.text += text;
    if (this.text.length > this.capChars) {
      throw new ClientDisconnectedError();
    }
    return false;
  }
  async flush(): Promise<void> {}
}

export async function startKustoServer(options: KustoServerOptions): Promise<RunningKustoServer> {
  const faults: ActiveFault[] = [];
  const requests: RecordedRequest[] = [];
  // The hosts are known once the server listens; until then no control request can arrive.
  let control: { readonly token: string; readonly hosts: ReadonlySet<string> } = { token: newControlToken(), hosts: new Set() };
  const accessDenied = new Map<string, Set<string>>();
  for (const [principal, databases] of Object.entries(options.accessDeniedDatabases ?? DEFAULT_ACCESS_DENIED_DATABASES)) {
    accessDenied.set(principal.toLowerCase(), new Set(databases.map((d) => d.toLowerCase())));
  }
  const log = options.log ?? (() => undefined);
  const runningQueries = new RunningQueries(log);
  const catalog = [...sampleCatalog(), ...(options.extraDatabases ?? [])];
  const findDatabase = (name: string) => catalog.find((db) => db.name.toLowerCase() === name.toLowerCase());
  const monitorResources = options.monitorResources ?? sampleMonitorResources();
  let url = '';

  const canRead = (principal: VerifiedPrincipal, database: DatabaseDefinition) => {
    for (const id of [principal.upn, principal.appId, principal.objectId]) {
      if (id && accessDenied.get(id.toLowerCase())?.has(database.name.toLowerCase())) {
        return false;
      }
    }
    return true;
  };

  const takeFault = (csl: string): KustoFault | undefined => {
    const index = faults.findIndex((f) => !f.fault.match || csl.includes(f.fault.match));
    if (index < 0) {
      return undefined;
    }
    const active = faults[index];
    active.remaining--;
    if (active.remaining <= 0) {
      faults.splice(index, 1);
    }
    return active.fault;
  };

  const sendJson = (response: http.ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    response.end(body);
  };

  const sendError = (response: http.ServerResponse, error: KustoServiceError, context: RequestContext, headers: Record<string, string> = {}) => {
    const encoded = encodeErrorBody(response.req, oneApiErrorBody(error, context));
    sendJson(response, error.httpStatus, encoded.body, {
      'x-ms-client-request-id': context.clientRequestId,
      'x-ms-activity-id': context.activityId,
      ...encoded.headers,
      ...headers,
    });
  };

  const readBody = async (request: http.IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_REQUEST_BODY_BYTES) {
        throw new KustoServiceError(413, 'PayloadTooLarge', 'Request payload exceeded limits.', 'Kusto.Data.Exceptions.KustoRequestPayloadTooLargeException', `The request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes.`, true);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  };

  const parseRequestBody = (text: string): RequestBody => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw badRequest('The request body is not valid JSON; expected {"db": "...", "csl": "...", "properties": {...}}.');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw badRequest('The request body must be a JSON object {"db": "...", "csl": "...", "properties": {...}}.');
    }
    const { db, csl, properties } = body as Record<string, unknown>;
    if (typeof csl !== 'string' || !csl.trim()) {
      throw badRequest("The request body has no 'csl' (the query or command text).");
    }
    if (db !== undefined && db !== null && typeof db !== 'string') {
      throw badRequest("The request body's 'db' must be a string.");
    }
    return { db: (db as string | undefined) || undefined, csl, options: parseRequestOptions(properties), parameters: parseRequestParameters(properties) };
  };

  const authenticate = async (request: http.IncomingMessage, audience: string): Promise<VerifiedPrincipal> => {
    const header = request.headers.authorization;
    if (!header) {
      throw unauthorized('The request has no Authorization header; send "Authorization: Bearer <access token>".');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw unauthorized('The Authorization header is not a Bearer token.');
    }
    let principal: VerifiedPrincipal;
    try {
      principal = await options.tokenVerifier.verify(match[1]);
    } catch (error) {
      throw unauthorized(error instanceof TokenVerificationError ? error.message : 'The access token could not be verified.');
    }
    if (normalizeUrl(principal.audience) !== normalizeUrl(audience)) {
      throw unauthorized(`The access token's audience '${principal.audience}' does not match this cluster '${audience}'.`);
    }
    return principal;
  };

  const authMetadata = () =>
    JSON.stringify({
      AzureAD: {
        LoginEndpoint: options.loginEndpoint ?? 'https://login.microsoftonline.com',
        LoginMfaRequired: false,
        KustoClientAppId: KUSTO_CLIENT_APP_ID,
        KustoClientRedirectUri: 'https://microsoft/kustoclient',
        KustoServiceResourceId: url,
        FirstPartyAuthorityUrl: `${options.loginEndpoint ?? 'https://login.microsoftonline.com'}/f8cdef31-a31e-4b4a-93e4-5f571e91255a`,
      },
      dSTS: {},
    });

  const streamResponse = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    context: RequestContext,
    bodyFault: BodyFault | undefined,
    write: (sink: BodySink) => Promise<void>,
    pauseMs = 0,
  ): Promise<void> => {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      'x-ms-client-request-id': context.clientRequestId,
      'x-ms-activity-id': context.activityId,
    };
    if (bodyFault) {
      const collector = new CollectingSink(256 * 1024);
      try {
        await write(collector);
      } catch (error) {
        if (!(error instanceof ClientDisconnectedError)) {
          throw error;
        }
      }
      const text = collector.text;
      const middle = Math.max(1, Math.floor(text.length / 2));
      response.writeHead(200, headers);
      if (bodyFault === 'malformedJson') {
        response.end(text.slice(0, middle) + '\u0000<<not json>>' + text.slice(middle));
      } else if (bodyFault === 'truncated') {
        response.end(text.slice(0, middle));
      } else {
        response.write(text.slice(0, middle), () => setTimeout(() => response.socket?.destroy(), 20));
      }
      return;
    }
    const gzip = /\bgzip\b/i.test(String(request.headers['accept-encoding'] ?? ''));
    if (gzip) {
      headers['Content-Encoding'] = 'gzip';
      headers['Vary'] = 'Accept-Encoding';
    }
    response.writeHead(200, headers);
    let target: Writable = response;
    let compressor: zlib.Gzip | undefined;
    if (gzip) {
      compressor = zlib.createGzip({ level: 1 });
      compressor.pipe(response);
      target = compressor;
      response.on('close', () => compressor?.destroy());
    }
    const sink = new ResponseSink(target, response, pauseMs);
    try {
      await write(sink);
    } catch (error) {
      if (error instanceof ClientDisconnectedError) {
        log(`client disconnected; stopped streaming (${context.clientRequestId})`);
        return;
      }
      throw error;
    }
    target.end();
  };

  const handleQueryOrCommand = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    path: string,
    rawBody: string,
    site: MonitorProxySite | undefined,
  ): Promise<string> => {
    const context = newRequestContext(
      typeof request.headers['x-ms-client-request-id'] === 'string' ? request.headers['x-ms-client-request-id'] : undefined,
    );
    // The audience of the token that authenticated the request is added to its record (never the token).
    let record: { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] } | undefined;
    try {
      let body: RequestBody | undefined;
      try {
        body = parseRequestBody(rawBody);
      } finally {
        appendBounded(requests, record = {
          method: request.method ?? '',
          path: `${site?.prefix ?? ''}${path}`,
          headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'authorization')),
          csl: body?.csl,
          db: body?.db,
          ...(body && Object.keys(body.parameters).length > 0 ? { parameters: body.parameters } : {}),
          receivedAt: new Date(),
        }, MAX_RECORDED_REQUESTS);
      }
      const principal = await authenticate(request, site?.audience ?? url);
      record.tokenAudience = principal.audience;
      const fault = takeFault(body.csl);
      if (fault?.kind === 'resetBeforeResponse') {
        // The request arrived (and, for a command, may have run): the connection drops before any answer.
        request.socket.destroy();
        return 'fault resetBeforeResponse';
      }
      if (fault?.kind === 'htmlError') {
        response.writeHead(502, { 'Content-Type': 'text/html', Server: 'nginx/1.25.3' });
        response.end(GATEWAY_HTML_PAGE);
        return 'fault htmlError 502';
      }
      if (fault?.kind === 'invalidUtf8Error') {
        sendJson(response, 400, invalidUtf8ErrorBody(), { 'x-ms-client-request-id': context.clientRequestId });
        return 'fault invalidUtf8Error 400';
      }
      if (fault?.kind === 'gzipBomb') {
        await writeGzipBomb(response, fault.megabytes, context.clientRequestId);
        return `fault gzipBomb ${fault.megabytes} MB`;
      }
      if (fault?.kind === 'delay') {
        // A slow query keeps running when the client hangs up, as on a real cluster; `.cancel query` stops it.
        const running = body.csl.trim().startsWith('.') ? undefined : context.clientRequestId;
        const signal = running ? runningQueries.start(running, body.db ?? '') : new AbortController().signal;
        response.once('close', () => {
          if (!response.writableFinished && running) log(`client hung up; query ${running} keeps running until it ends or .cancel query stops it`);
        });
        const outcome = await runSlowQuery(fault.ms, signal);
        if (running) runningQueries.end(running);
        if (outcome === 'cancelled') {
          if (!response.destroyed) sendError(response, cancelledQueryError(), context);
          return 'cancelled by .cancel query';
        }
        if (response.destroyed) {
          return 'client gone during delay; the query ran to its end';
        }
      }
      if (fault?.kind === 'status') {
        const error = fault.status === 429 ? throttled() : serviceFailure(fault.status);
        const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
        sendError(response, error, context, headers);
        return `fault ${fault.status}`;
      }
      const bodyFault = fault && ['dropMidBody', 'malformedJson', 'truncated'].includes(fault.kind) ? (fault.kind as BodyFault) : undefined;
      const csl = body.csl.trim();
      const isCommand = csl.startsWith('.');
      let database: DatabaseDefinition | undefined;
      // NetDefaultDB is the name Kusto's own tools send for cluster-level commands: real clusters accept it.
      if (body.db && body.db.toLowerCase() !== 'netdefaultdb') {
        database = site ? findProxyDatabase(site, body.db) : findDatabase(body.db);
        if (!database) {
          throw databaseNotFound(body.db);
        }
        if (!canRead(principal, database)) {
          throw forbidden(principalDescription(principal), database.name);
        }
      }
      const management = path === '/v1/rest/mgmt';
      if (isCommand) {
        if (!management) {
          throw badRequest(`Management commands (starting with '.') must be sent to /v1/rest/mgmt, not ${path}.`);
        }
        if (site) assertProxyCommandSupported(site, csl);
        const cancel = parseCancelQuery(csl);
        const result = cancel
          ? cancelQueryResult(cancel.clientRequestId, cancel.reason, runningQueries.cancel(cancel.clientRequestId, cancel.reason))
          : runManagementCommand(csl, {
          catalog: site?.catalog ?? catalog,
          currentDatabase: database,
          canRead: (db) => canRead(principal, db),
          forbidden: (db) => forbidden(principalDescription(principal), db.name),
        });
        await streamResponse(request, response, context, bodyFault, (sink) => writeV1ManagementResponse(sink, result));
        return `${result.rows.length} rows`;
      }
      if (!database) {
        throw badRequest("The request has no database ('db'); a query needs one, e.g. \"Samples\".");
      }
      const compiled = compileQuery(csl, database, new Map(), 0, body.parameters);
      const requestOptions = { ...body.options, ...compiled.options };
      const limits: ResultLimits = {
        enforced: !optionBoolean(requestOptions, 'notruncation') && fault?.kind !== 'ignoreRowLimit',
        maxRecords: optionNumber(requestOptions, 'truncationmaxrecords', DEFAULT_TRUNCATION_MAX_RECORDS),
        maxBytes: optionNumber(requestOptions, 'truncationmaxsize', DEFAULT_TRUNCATION_MAX_SIZE),
      };
      const placement = String(requestOptions.results_error_reporting_placement ?? '').toLowerCase();
      const writeOptions = {
        context,
        limits,
        startedAt: Date.now(),
        progressive: optionBoolean(requestOptions, 'results_progressive_enabled'),
        fragmented: optionBoolean(requestOptions, 'results_v2_fragment_primary_tables'),
        errorPlacement: placement === 'end_of_table' ? ('EndOfTable' as const) : ('InData' as const),
      };
      await streamResponse(request, response, context, bodyFault, (sink) =>
        path === '/v2/rest/query'
          ? writeV2QueryResponse(sink, compiled.results, writeOptions)
          : writeV1QueryResponse(sink, compiled.results, writeOptions),
        fault?.kind === 'slowBody' ? fault.pauseMs : 0,
      );
      return `${compiled.results.length} table(s)${bodyFault ? ` fault ${bodyFault}` : ''}`;
    } catch (error) {
      if (error instanceof KustoServiceError) {
        const headers: Record<string, string> = {};
        if (error.httpStatus === 401) {
          const reason = error.detailedMessage.replace(/"/g, "'");
          headers['WWW-Authenticate'] =
            `Bearer authorization_uri="${options.loginEndpoint ?? 'https://login.microsoftonline.com'}/common", ` +
            `error="invalid_token", error_description="${reason}"`;
        }
        sendError(response, error, context, headers);
        return `${error.httpStatus} ${error.code}`;
      }
      throw error;
    }
  };

  const handler = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const started = Date.now();
    let path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '') || '/';
    let outcome = '';
    let site: MonitorProxySite | undefined;
    try {
      try {
        const proxied = matchMonitorProxyPath(path, monitorResources);
        if (proxied) {
          site = proxied.site;
          path = proxied.rest;
        }
      } catch (error) {
        if (!(error instanceof KustoServiceError)) throw error;
        sendError(response, error, newRequestContext(undefined));
        outcome = `${error.httpStatus} monitor proxy path`;
        return;
      }
      if (path === '/_test/faults') {
        const refused = refuseControlRequest(request, control);
        if (refused) {
          sendJson(response, refused.status, JSON.stringify({ error: { code: 'Forbidden', message: refused.message } }));
          outcome = `faults refused ${refused.status}`;
          return;
        }
        if (request.method === 'DELETE') {
          faults.length = 0;
          sendJson(response, 200, JSON.stringify({ faults: 0 }));
        } else if (request.method === 'POST') {
          try {
            const fault = validateFault(JSON.parse(await readBody(request)));
            faults.push({ fault, remaining: fault.times ?? 1 });
            sendJson(response, 200, JSON.stringify({ faults: faults.length }));
          } catch (error) {
            sendJson(response, 400, JSON.stringify({ error: { code: 'BadRequest', message: (error as Error).message } }));
          }
        } else {
          sendJson(response, 405, JSON.stringify({ error: { code: 'MethodNotAllowed', message: 'Use POST or DELETE.' } }));
        }
        outcome = 'faults';
        return;
      }
      if (path === '/v1/rest/auth/metadata' && request.method === 'GET' && !site) {
        appendBounded(requests, {
          method: 'GET',
          path,
          headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'authorization')),
          receivedAt: new Date(),
        }, MAX_RECORDED_REQUESTS);
        sendJson(response, 200, authMetadata(), { 'Cache-Control': 'public, max-age=86400' });
        outcome = 'metadata';
        return;
      }
      if (path === '/v1/rest/ping' && request.method === 'GET') {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.end('Pong');
        outcome = 'ping';
        return;
      }
      if (['/v1/rest/query', '/v2/rest/query', '/v1/rest/mgmt'].includes(path)) {
        if (request.method !== 'POST') {
          const context = newRequestContext(undefined);
          sendError(response, new KustoServiceError(405, 'MethodNotAllowed', 'Method not allowed.', 'Kusto.Data.Exceptions.KustoRequestException', `${request.method} is not supported on ${path}; use POST.`, true), context, { Allow: 'POST' });
          outcome = '405';
          return;
        }
        const context = newRequestContext(undefined);
        let rawBody: string;
        try {
          rawBody = await readBody(request);
        } catch (error) {
          if (error instanceof KustoServiceError) {
            sendError(response, error, context);
            outcome = '413';
            return;
          }
          throw error;
        }
        outcome = await handleQueryOrCommand(request, response, path, rawBody, site);
        return;
      }
      sendError(
        response,
        new KustoServiceError(404, 'NotFound', 'The requested resource was not found.', 'Kusto.Data.Exceptions.KustoRequestException', `No endpoint ${request.method} ${path}. Use POST /v2/rest/query, /v1/rest/query or /v1/rest/mgmt.`, true),
        newRequestContext(undefined),
      );
      outcome = '404';
    } catch (error) {
      outcome = `500 ${(error as Error).name}`;
      log(`internal error on ${request.method} ${path}: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent) {
        sendError(response, serviceFailure(500), newRequestContext(undefined));
      } else {
        response.destroy();
      }
    } finally {
      log(`${request.method} ${site?.prefix ?? ''}${path} → ${outcome} (${Date.now() - started} ms)`);
    }
  };

  const listener = (request: http.IncomingMessage, response: http.ServerResponse) => {
    void handler(request, response);
  };
  const server = options.tls
    ? https.createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, listener)
    : http.createServer(listener);
  server.keepAliveTimeout = 5000;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new Error(`Kusto server option port must be an integer from 0 to 65535 (got ${String(options.port)}).`);
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${requestedPort} on 127.0.0.1 is already in use; choose another port for the Kusto server, or 0 for any free port.`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(requestedPort, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  control = { ...control, hosts: loopbackHosts(port) };
  url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  log(`Kusto server listening on ${url}`);

  return {
    url,
    requests,
    cancelledQueries: runningQueries.cancelled,
    controlToken: control.token,
    injectFault(fault: KustoFault) {
      const valid = validateFault(fault);
      faults.push({ fault: valid, remaining: valid.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    async close() {
      runningQueries.cancelAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) {
        socket.destroy();
      }
      await closed;
    },
  };
}
