// The Kusto tools an AI agent can call (VS Code language model tools and the MCP server share them): list the
// configured connections, read a schema, sample a table, run a query. Thin over the rest of the core: the agent
// names a connection the user configured (never a cluster of its own choosing, so a token never goes to a host the
// user did not pick), the command guard decides what may run, the result formatting decides what the model reads.
// Pure of vscode: the extension passes in its connections, schema cache, client, sign-in and approval prompt.

import type { KustoResponse } from '../kusto/resultTypes';
import type { DatabaseSchema } from '../schema/schemaModel';
import { quoteKustoName } from '../schema/kustoNames';
import { checkAgentQuery } from './commandGuard';
import { DEFAULT_MODEL_RESULT_LIMITS, formatErrorForModel, formatResponseForModel, type ModelResultLimits } from './resultForModel';
import { findTable, formatDatabaseSchemaForModel, formatTableSchemaForModel } from './schemaForModel';
import { raceAbort } from '../abortable';

export const AGENT_TOOL_NAMES = {
  listConnections: 'kusto_list_connections',
  getSchema: 'kusto_get_schema',
  sample: 'kusto_sample',
  runQuery: 'kusto_run_query',
} as const;

export type AgentToolName = (typeof AGENT_TOOL_NAMES)[keyof typeof AGENT_TOOL_NAMES];

export interface JsonSchemaObject {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, { readonly type: string; readonly description: string; readonly minimum?: number; readonly maximum?: number }>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
}

export interface AgentToolDefinition {
  readonly name: AgentToolName;
  readonly title: string;
  /** What the model reads to decide when and how to call the tool (package.json `modelDescription`). */
  readonly description: string;
  readonly inputSchema: JsonSchemaObject;
  /** Sends a query the user should see and approve first. */
  readonly needsApproval: boolean;
}

const CONNECTION_PROPERTIES = {
  cluster: {
    type: 'string',
    description: 'Name or URL of a configured cluster connection (see kusto_list_connections). Default: the connection of the active Kusto editor, else the first one.',
  },
  database: { type: 'string', description: "Database name. Default: the connection's default database." },
} as const;

export const AGENT_TOOL_DEFINITIONS: readonly AgentToolDefinition[] = [
  {
    name: AGENT_TOOL_NAMES.listConnections,
    title: 'List Kusto connections',
    description:
      'Lists the Azure Data Explorer (Kusto) cluster connections the user configured in VS Code: name, URL, default database, whether the user is signed in. Call this first to learn which cluster and database names the other kusto_ tools accept.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    needsApproval: false,
  },
  {
    name: AGENT_TOOL_NAMES.getSchema,
    title: 'Get Kusto schema',
    description:
      "Reads the schema of a Kusto database: without 'table', the database's tables, materialized views, external tables and functions (with parameters); with 'table', that table's columns with their Kusto types and descriptions. Use it before writing a KQL query so that table and column names are right.",
    inputSchema: {
      type: 'object',
      properties: {
        ...CONNECTION_PROPERTIES,
        table: { type: 'string', description: 'A table, materialized view or external table name: returns its columns. Omit for the whole database.' },
      },
      additionalProperties: false,
    },
    needsApproval: false,
  },
  {
    name: AGENT_TOOL_NAMES.sample,
    title: 'Sample a Kusto table',
    description:
      'Returns the first rows of a Kusto table (`Table | take N`), with column types, to see what the data looks like. The user confirms the request.',
    inputSchema: {
      type: 'object',
      properties: {
        ...CONNECTION_PROPERTIES,
        table: { type: 'string', description: 'Table, materialized view or external table name.' },
        rows: { type: 'integer', description: 'How many rows (1-100, default 10).', minimum: 1, maximum: 100 },
      },
      required: ['table'],
      additionalProperties: false,
    },
    needsApproval: true,
  },
  {
    name: AGENT_TOOL_NAMES.runQuery,
    title: 'Run a Kusto query',
    description:
      "Runs a KQL query (or a read-only '.show' command) on a configured Kusto connection with the user's own sign-in and returns the result as a table with column types and the total row count; large results are truncated, so aggregate or filter in the query. Other management commands are refused. The user confirms each query unless they allowed the cluster.",
    inputSchema: {
      type: 'object',
      properties: {
        ...CONNECTION_PROPERTIES,
        query: { type: 'string', description: 'The KQL query text, e.g. "StormEvents | summarize count() by State | top 10 by count_".' },
      },
      required: ['query'],
      additionalProperties: false,
    },
    needsApproval: true,
  },
];

export interface AgentConnection {
  /** Canonical cluster URL. */
  readonly url: string;
  readonly name: string;
  readonly defaultDatabase: string;
}

/** A query an agent wants to run, as the user is asked to approve it. */
export interface QueryApprovalRequest {
  readonly tool: AgentToolName;
  readonly clusterUrl: string;
  readonly clusterName: string;
  readonly database: string;
  readonly query: string;
}

export interface AgentToolsDeps {
  /** The configured connections (kusto.clusters), read on every call. */
  connections(): readonly AgentConnection[];
  /** The connection of the active Kusto editor, when there is one. */
  activeConnection?(): { readonly clusterUrl: string; readonly database: string } | undefined;
  hasSession?(clusterUrl: string): Promise<boolean>;
  getDatabaseSchema(clusterUrl: string, database: string): Promise<DatabaseSchema>;
  execute(request: { readonly clusterUrl: string; readonly database: string; readonly text: string; readonly signal?: AbortSignal }): Promise<KustoResponse>;
  /** Interactive sign-in for a cluster (the device code dialog); rejects when the user does not complete it. */
  signIn?(clusterUrl: string): Promise<void>;
  /** Asks the user to run a query; absent when the caller already asked (VS Code's tool confirmation). */
  approve?(request: QueryApprovalRequest): Promise<boolean>;
  limits?(): ModelResultLimits;
  /** False turns every tool into a refusal (agent access turned off). */
  isEnabled?(): boolean;
}

export interface AgentToolOutcome {
  readonly text: string;
  readonly isError: boolean;
}

export interface AgentToolCallOptions {
  readonly signal?: AbortSignal;
  /** The user already approved this call (VS Code's confirmation, or the cluster is always allowed). */
  readonly approved?: boolean;
}

/** Thrown (inside) for input the agent got wrong: reported back to the model as an error it can fix. */
class AgentInputError extends Error {}

/** Resolved connection and query of a call that sends a query: what the confirmation shows. */
export interface PreparedQuery extends QueryApprovalRequest {}

export class AgentTools {
  /** Calls in flight per cluster, so that a sign-out can stop them at once. */
  private readonly inFlight = new Map<string, Set<AbortController>>();

  constructor(private readonly deps: AgentToolsDeps) {}

  /** The query a call would send, for the confirmation; throws an input error the model can read when it cannot. */
  prepareQuery(name: AgentToolName, input: unknown): PreparedQuery | undefined {
    const args = asObject(input);
    if (name === AGENT_TOOL_NAMES.runQuery) {
      const { connection, database } = this.resolve(args);
      const query = requiredString(args, 'query');
      return { tool: name, clusterUrl: connection.url, clusterName: connection.name, database, query };
    }
    if (name === AGENT_TOOL_NAMES.sample) {
      const { connection, database } = this.resolve(args);
      const table = requiredString(args, 'table');
      const rows = optionalInteger(args, 'rows', 1, 100) ?? 10;
      return { tool: name, clusterUrl: connection.url, clusterName: connection.name, database, query: `${quoteKustoName(table)}\n| take ${rows}` };
    }
    return undefined;
  }

  /** Runs one tool call; every failure comes back as text the model can act on. */
  async call(name: string, input: unknown, options: AgentToolCallOptions = {}): Promise<AgentToolOutcome> {
    if (this.deps.isEnabled && !this.deps.isEnabled()) {
      return failure('Kusto agent access is turned off in VS Code (setting kusto.agents.enabled, or the Accounts view). Ask the user to turn it on.');
    }
    try {
      switch (name) {
        case AGENT_TOOL_NAMES.listConnections:
          return { text: await this.listConnections(), isError: false };
        case AGENT_TOOL_NAMES.getSchema:
          return { text: await this.getSchema(asObject(input), options), isError: false };
        case AGENT_TOOL_NAMES.sample:
        case AGENT_TOOL_NAMES.runQuery:
          return await this.runQuery(this.prepareQuery(name, input)!, options);
        default:
          return failure(`There is no Kusto tool named "${name}".`);
      }
    } catch (error) {
      if (error instanceof AgentInputError) {
        return failure(error.message);
      }
      if (isAbort(error) || options.signal?.aborted) {
        return failure('The request was cancelled.');
      }
      return failure(formatErrorForModel(error).replace(/^Error: /, ''));
    }
  }

  /** Stops the calls in flight on a cluster (all clusters when none is given): a sign-out revokes agent access at once. */
  revoke(clusterUrl?: string): number {
    let stopped = 0;
    for (const [url, controllers] of this.inFlight) {
      if (clusterUrl === undefined || url === clusterUrl) {
        controllers.forEach((controller) => controller.abort());
        stopped += controllers.size;
        controllers.clear();
      }
    }
    return stopped;
  }

  /** Clusters with calls in flight. */
  activeClusters(): string[] {
    return [...this.inFlight].filter(([, set]) => set.size > 0).map(([url]) => url);
  }

  private async listConnections(): Promise<string> {
    const connections = this.deps.connections();
    if (connections.length === 0) {
      return 'No Kusto cluster connections are configured. Ask the user to add one (Kusto: Add Cluster Connection).';
    }
    const active = this.deps.activeConnection?.();
    const lines = ['| name | cluster URL | default database | signed in | active editor |', '|---|---|---|---|---|'];
    for (const connection of connections) {
      const signedIn = this.deps.hasSession ? ((await this.deps.hasSession(connection.url).catch(() => false)) ? 'yes' : 'no (the user is asked to sign in on first use)') : 'unknown';
      const isActive = active?.clusterUrl === connection.url ? `yes (database ${active.database})` : '';
      lines.push(`| ${connection.name} | ${connection.url} | ${connection.defaultDatabase} | ${signedIn} | ${isActive} |`);
    }
    return `${connections.length} Kusto connection${connections.length === 1 ? '' : 's'}:\n\n${lines.join('\n')}`;
  }

  private async getSchema(args: Record<string, unknown>, options: AgentToolCallOptions): Promise<string> {
    const { connection, database } = this.resolve(args);
    const tableName = optionalString(args, 'table');
    const schema = await this.withSignIn(connection.url, options, () => this.deps.getDatabaseSchema(connection.url, database));
    const limits = this.limits();
    if (tableName === undefined) {
      return formatDatabaseSchemaForModel(schema, `${connection.name} (${connection.url})`, limits.maxBytes);
    }
    const table = findTable(schema, tableName);
    if (!table) {
      const known = [...schema.tables, ...schema.materializedViews, ...schema.externalTables].map((t) => t.name);
      const fn = schema.functions.find((candidate) => candidate.name.toLowerCase() === tableName.toLowerCase());
      if (fn) {
        return `${fn.name} is a function, not a table. Call it like ${fn.name}(…); its body:\n${fn.body.slice(0, 2000)}`;
      }
      throw new AgentInputError(
        `Database ${database} has no table named "${tableName}". Tables: ${known.slice(0, 50).join(', ')}${known.length > 50 ? ', …' : ''}.`,
      );
    }
    return formatTableSchemaForModel(table, database, limits.maxBytes);
  }

  private async runQuery(prepared: PreparedQuery, options: AgentToolCallOptions): Promise<AgentToolOutcome> {
    const verdict = checkAgentQuery(prepared.query);
    if (!verdict.allowed) {
      return failure(verdict.reason);
    }
    if (!options.approved && this.deps.approve) {
      const approved = await this.deps.approve(prepared);
      if (!approved) {
        return failure('The user declined to run this query.');
      }
    }
    const response = await this.withSignIn(prepared.clusterUrl, options, (signal) =>
      this.deps.execute({ clusterUrl: prepared.clusterUrl, database: prepared.database, text: prepared.query, signal }),
    );
    const where = `Cluster ${prepared.clusterName} (${prepared.clusterUrl}), database ${prepared.database}.`;
    return { text: `${where}\n\n${formatResponseForModel(response, this.limits())}`, isError: false };
  }

  /**
   * Runs `work` against a cluster; when the user is not signed in there, asks them to sign in (the normal prompt)
   * and runs it once more. The call is registered as in flight so that a sign-out stops it.
   */
  private async withSignIn<T>(clusterUrl: string, options: AgentToolCallOptions, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let set = this.inFlight.get(clusterUrl);
    if (!set) {
      set = new Set();
      this.inFlight.set(clusterUrl, set);
    }
    set.add(controller);
    try {
      try {
        return await raceAbort(work(controller.signal), controller.signal);
      } catch (error) {
        if (!needsSignIn(error) || !this.deps.signIn || controller.signal.aborted) {
          throw error;
        }
        await raceAbort(this.deps.signIn(clusterUrl), controller.signal);
        return await raceAbort(work(controller.signal), controller.signal);
      }
    } finally {
      set.delete(controller);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private resolve(args: Record<string, unknown>): { connection: AgentConnection; database: string } {
    const connections = this.deps.connections();
    if (connections.length === 0) {
      throw new AgentInputError('No Kusto cluster connections are configured. Ask the user to add one (Kusto: Add Cluster Connection).');
    }
    const clusterInput = optionalString(args, 'cluster');
    const active = this.deps.activeConnection?.();
    let connection: AgentConnection | undefined;
    if (clusterInput !== undefined) {
      connection = findConnection(connections, clusterInput);
      if (!connection) {
        throw new AgentInputError(
          `"${clusterInput}" is not a configured Kusto connection. Use one of: ${connections.map((c) => `${c.name} (${c.url})`).join(', ')}. ` +
            'Only clusters the user configured can be queried.',
        );
      }
    } else {
      connection = connections.find((c) => c.url === active?.clusterUrl) ?? connections[0];
    }
    const database = optionalString(args, 'database') ?? (active?.clusterUrl === connection.url ? active.database : connection.defaultDatabase);
    return { connection, database };
  }

  private limits(): ModelResultLimits {
    return this.deps.limits?.() ?? DEFAULT_MODEL_RESULT_LIMITS;
  }
}

/** A configured connection by display name, URL or host (case-insensitive); never an unconfigured cluster. */
export function findConnection(connections: readonly AgentConnection[], text: string): AgentConnection | undefined {
  const wanted = text.trim().toLowerCase();
  const withoutScheme = wanted.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  return (
    connections.find((c) => c.name.toLowerCase() === wanted) ??
    connections.find((c) => c.url.toLowerCase() === wanted.replace(/\/+$/, '')) ??
    connections.find((c) => c.url.toLowerCase().replace(/^https?:\/\//, '') === withoutScheme) ??
    // "help" for help.kusto.windows.net, as people and models often say it.
    connections.find((c) => c.url.toLowerCase().replace(/^https?:\/\//, '').split('.')[0] === withoutScheme)
  );
}

function needsSignIn(error: unknown): boolean {
  const candidate = error as { name?: unknown; kind?: unknown; cause?: { name?: unknown } } | undefined;
  return candidate?.name === 'SignInRequiredError' || candidate?.cause?.name === 'SignInRequiredError' || (candidate?.name === 'KustoRequestError' && candidate.kind === 'auth');
}

function isAbort(error: unknown): boolean {
  const candidate = error as { name?: unknown; kind?: unknown } | undefined;
  return candidate?.name === 'AbortError' || (candidate?.name === 'KustoRequestError' && candidate.kind === 'cancelled');
}

function failure(text: string): AgentToolOutcome {
  return { text, isError: true };
}

function asObject(input: unknown): Record<string, unknown> {
  if (input === undefined || input === null) {
    return {};
  }
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new AgentInputError('The tool input must be a JSON object.');
  }
  return input as Record<string, unknown>;
}

function optionalString(args: Record<string, unknown>, key: string): string | undefined {
  const value = args[key];
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new AgentInputError(`"${key}" must be a string.`);
  }
  return value.trim();
}

function requiredString(args: Record<string, unknown>, key: string): string {
  const value = optionalString(args, key);
  if (value === undefined) {
    throw new AgentInputError(`"${key}" is required.`);
  }
  return value;
}

function optionalInteger(args: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = args[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new AgentInputError(`"${key}" must be a whole number from ${min} to ${max}.`);
  }
  return value;
}
