// The Kusto tools as a Model Context Protocol server, for any MCP agent VS Code runs: the official SDK's
// streamable HTTP server transport, served by the extension host on loopback (127.0.0.1, a random port). Every
// request must carry `Authorization: Bearer <secret>`, a random secret made per server start and handed to VS Code
// only in the server definition's headers (never written to a file, a setting or an environment variable). The
// tools run here, in the extension host, so Kusto tokens never leave it. The SDK is loaded on start, not before.

import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_TOOL_DEFINITIONS, type AgentTools } from './agentTools';

export interface AgentMcpServerOptions {
  readonly tools: Pick<AgentTools, 'call'>;
  /** Sent to clients as the server's version. */
  readonly version: string;
  /** One line per session start/end and refused request; never the secret or a token. */
  readonly log?: (line: string) => void;
  /** 0 (default): a free port. */
  readonly port?: number;
}

export interface RunningAgentMcpServer {
  /** `http://127.0.0.1:<port>/mcp` */
  readonly url: string;
  /** The bearer secret clients must send; keep it in memory only. */
  readonly secret: string;
  /** MCP sessions open now. */
  sessionCount(): number;
  close(): Promise<void>;
}

const MCP_PATH = '/mcp';

type McpSdk = typeof import('./mcpSdk');
type Transport = InstanceType<McpSdk['StreamableHTTPServerTransport']>;

export async function startAgentMcpServer(options: AgentMcpServerOptions): Promise<RunningAgentMcpServer> {
  const sdk: McpSdk = await import('./mcpSdk');
  const secret = randomBytes(32).toString('base64url');
  const expected = Buffer.from(`Bearer ${secret}`);
  const sessions = new Map<string, Transport>();
  const log = options.log ?? (() => undefined);
  let port = 0;

  const newSession = async (): Promise<Transport> => {
    const server = new sdk.Server(
      { name: 'kusto-explorer', title: 'Kusto Explorer (VS Code)', version: options.version },
      {
        capabilities: { tools: {} },
        instructions:
          "Query Azure Data Explorer (Kusto) with the VS Code user's own sign-in. Start with kusto_list_connections, read the schema with " +
          'kusto_get_schema, then run KQL with kusto_run_query. The user approves each query.',
      },
    );
    server.setRequestHandler(sdk.ListToolsRequestSchema, () => ({
      tools: AGENT_TOOL_DEFINITIONS.map((definition) => ({
        name: definition.name,
        title: definition.title,
        description: definition.description,
        inputSchema: definition.inputSchema as { type: 'object'; properties?: Record<string, object>; required?: string[] },
        // Nothing here writes (the command guard refuses management commands other than .show); the queries that
        // need the user's approval are confirmed by this server itself, showing the query text.
        annotations: { title: definition.title, readOnlyHint: true, destructiveHint: false, openWorldHint: false },
      })),
    }));
    server.setRequestHandler(sdk.CallToolRequestSchema, async (request, extra) => {
      const outcome = await options.tools.call(request.params.name, request.params.arguments ?? {}, { signal: extra.signal });
      return { content: [{ type: 'text' as const, text: outcome.text }], isError: outcome.isError };
    });
    const transport: Transport = new sdk.StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => {
        sessions.set(sessionId, transport);
        log(`MCP session ${sessionId.slice(0, 8)} started`);
      },
      onsessionclosed: (sessionId) => {
        sessions.delete(sessionId);
        log(`MCP session ${sessionId.slice(0, 8)} ended`);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) {
        sessions.delete(transport.sessionId);
      }
    };
    await server.connect(transport);
    return transport;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    // Only this port on loopback by its IP: a web page that rebinds a DNS name to 127.0.0.1 sends another Host.
    if (request.headers.host !== `127.0.0.1:${port}`) {
      return refuse(response, 403, 'Forbidden: wrong Host.');
    }
    if (!isAuthorized(request.headers.authorization, expected)) {
      log(`Refused an MCP request without the session secret (${request.method} ${url.pathname})`);
      return refuse(response, 401, 'Unauthorized: this server only answers the VS Code window that started it.');
    }
    if (url.pathname !== MCP_PATH) {
      return refuse(response, 404, 'Not found.');
    }
    const sessionHeader = request.headers['mcp-session-id'];
    const sessionId = Array.isArray(sessionHeader) ? sessionHeader[0] : sessionHeader;
    if (sessionId) {
      const transport = sessions.get(sessionId);
      if (!transport) {
        return refuse(response, 404, 'Unknown or ended MCP session: start a new one.');
      }
      await transport.handleRequest(request, response);
      return;
    }
    if (request.method !== 'POST') {
      return refuse(response, 400, 'Bad request: no MCP session.');
    }
    const body = await readJson(request);
    if (body === undefined || !(Array.isArray(body) ? body.some((m) => sdk.isInitializeRequest(m)) : sdk.isInitializeRequest(body))) {
      return refuse(response, 400, 'Bad request: start an MCP session with an initialize request.');
    }
    const transport = await newSession();
    await transport.handleRequest(request, response, body);
  };

  const http: HttpServer = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`MCP request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) {
        refuse(response, 500, 'Internal error.');
      } else {
        response.end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  port = (http.address() as AddressInfo).port;
  log(`Kusto MCP server listening on 127.0.0.1:${port}`);

  return {
    url: `http://127.0.0.1:${port}${MCP_PATH}`,
    secret,
    sessionCount: () => sessions.size,
    async close() {
      const transports = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(transports.map((transport) => transport.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      log('Kusto MCP server stopped');
    },
  };
}

function isAuthorized(header: string | undefined, expected: Buffer): boolean {
  if (typeof header !== 'string') {
    return false;
  }
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function refuse(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: status === 401 ? -32001 : -32000, message }, id: null }));
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}
