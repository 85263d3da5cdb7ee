// The extension host's side of the language worker (vscode-free, so benchmarks and tests drive it in plain Node):
// starts the worker on first need, sends a document's text only when the worker has not seen that version, sends
// schemas in small parts (a 5,000-table schema never blocks the host for one long structured clone), answers
// `undefined` when the worker is slow, and starts a new worker if one dies, replaying the schemas it had.
import { Worker } from 'node:worker_threads';
import type { DatabaseSchema } from '../schema/schemaModel';
import {
  databaseKeyId,
  type DatabaseKey,
  type DocumentRef,
  type HostMessage,
  type Notification,
  type RequestMap,
  type RequestName,
  type SchemaState,
  type WorkerMessage,
} from './languageProtocol';

export interface LanguageClientOptions {
  /** dist/languageWorker.js (or the compiled out/ file in tests). */
  readonly workerPath: string;
  /** Folder holding Kusto.Language's two scripts. */
  readonly vendorDirectory: string;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** A worker that answers nothing for this long while asked something is stopped and replaced. */
  readonly hangMs?: number;
  /** Most worker starts in a minute; past that the language features stay off until the next minute. */
  readonly maxStartsPerMinute?: number;
  /** Tables per schema message. */
  readonly schemaPartSize?: number;
}

/** A document as the client needs it: its text read only when it must travel. */
export interface DocumentSource {
  readonly uri: string;
  readonly version: number;
  getText(): string;
  readonly connection?: DatabaseKey;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface SchemaRecord {
  readonly key: DatabaseKey;
  state: SchemaState;
  schema?: DatabaseSchema;
}

type RequestParams<M extends RequestName> = Omit<RequestMap[M]['params'], 'document'>;

export class LanguageWorkerStoppedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LanguageWorkerStoppedError';
  }
}

// Generous: a worker still loading (a few seconds on a busy machine) answers late rather than never. Nothing
// waits on these but the editor's own request, which VS Code cancels as the user types on.
const DEFAULT_TIMEOUT_MS: Readonly<Record<RequestName, number>> = {
  complete: 20_000,
  diagnostics: 60_000,
  hover: 10_000,
  format: 20_000,
  related: 10_000,
  signatureHelp: 10_000,
  semanticTokens: 30_000,
  memory: 10_000,
};

export class LanguageClient {
  private worker: Worker | undefined;
  private generation = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** uri → version the current worker holds. */
  private readonly synced = new Map<string, number>();
  private readonly schemas = new Map<string, SchemaRecord>();
  private readonly databaseNames = new Map<string, readonly string[]>();
  private readonly starts: number[] = [];
  private lastHeardAt = 0;
  private readyAt: Promise<number> | undefined;
  /** Schema sends under way: a request waits for them, so that it is answered with the schema it was asked after. */
  private readonly schemaSends = new Set<Promise<void>>();
  private disposed = false;

  constructor(private readonly options: LanguageClientOptions) {}

  /** True once a worker has been started (the host asked for something). */
  get started(): boolean {
    return this.worker !== undefined;
  }

  /** Starts the worker now (on the first kql document) so that the first completion finds it warm. */
  start(): void {
    this.ensureWorker();
  }

  /** Milliseconds the worker took to load Kusto.Language, once it is ready. */
  whenReady(): Promise<number> {
    this.ensureWorker();
    return this.readyAt ?? Promise.resolve(0);
  }

  async request<M extends RequestName>(
    method: M,
    document: DocumentSource | undefined,
    params: RequestParams<M>,
    timeoutMs = DEFAULT_TIMEOUT_MS[method],
  ): Promise<RequestMap[M]['result'] | undefined> {
    try {
      return await this.send(method, document, params, timeoutMs, false);
    } catch (error) {
      if (error instanceof Error && error.message === 'unsynced' && document) {
        this.synced.delete(document.uri);
        return this.send(method, document, params, timeoutMs, true);
      }
      throw error;
    }
  }

  /** The document was closed: the worker forgets it. */
  close(uri: string): void {
    this.synced.delete(uri);
    if (this.worker) {
      this.post({ type: 'close', uri });
    }
  }

  /** The schema of a database (replacing any before), sent in parts; resolves once all parts are posted. */
  async setSchema(key: DatabaseKey, schema: DatabaseSchema): Promise<void> {
    const record: SchemaRecord = { key, state: 'loaded', schema };
    this.schemas.set(databaseKeyId(key), record);
    if (this.worker) {
      await this.postSchema(record, this.generation);
    }
  }

  setSchemaState(key: DatabaseKey, state: Exclude<SchemaState, 'loaded'>): void {
    const id = databaseKeyId(key);
    const record = this.schemas.get(id) ?? { key, state };
    record.state = state;
    this.schemas.set(id, record);
    if (this.worker) {
      this.post({ type: 'schemaState', key, state });
    }
  }

  schemaStateOf(key: DatabaseKey): SchemaState | undefined {
    return this.schemas.get(databaseKeyId(key))?.state;
  }

  setDatabaseNames(clusterUrl: string, names: readonly string[]): void {
    this.databaseNames.set(clusterUrl, names);
    if (this.worker) {
      this.post({ type: 'databaseNames', clusterUrl, names });
    }
  }

  dispose(): void {
    this.disposed = true;
    this.stopWorker('The language worker was stopped.');
  }

  private async send<M extends RequestName>(
    method: M,
    document: DocumentSource | undefined,
    params: RequestParams<M>,
    timeoutMs: number,
    withText: boolean,
  ): Promise<RequestMap[M]['result'] | undefined> {
    if (!this.ensureWorker()) {
      return undefined;
    }
    while (this.schemaSends.size > 0) {
      await Promise.all([...this.schemaSends]);
    }
    if (!this.worker) {
      return undefined;
    }
    let ref: DocumentRef | undefined;
    if (document) {
      const needsText = withText || this.synced.get(document.uri) !== document.version;
      ref = {
        uri: document.uri,
        version: document.version,
        ...(document.connection ? { connection: document.connection } : {}),
        ...(needsText ? { text: document.getText() } : {}),
      };
      this.synced.set(document.uri, document.version);
    }
    const id = this.nextId++;
    const sentAt = Date.now();
    const generation = this.generation;
    return new Promise<RequestMap[M]['result'] | undefined>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        // Nothing heard since this request went out, for a long time: the worker hangs.
        if (this.generation === generation && this.lastHeardAt < sentAt && Date.now() - sentAt >= (this.options.hangMs ?? 45_000)) {
          this.options.log?.('warn', `The language worker did not answer for ${Date.now() - sentAt} ms; starting a new one.`);
          this.stopWorker('The language worker did not answer.');
        }
        resolve(undefined);
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.post({ type: 'request', id, method, params: { ...params, ...(ref ? { document: ref } : {}) } });
    });
  }

  private ensureWorker(): boolean {
    if (this.worker) {
      return true;
    }
    if (this.disposed) {
      return false;
    }
    const now = Date.now();
    while (this.starts.length > 0 && now - this.starts[0] > 60_000) {
      this.starts.shift();
    }
    if (this.starts.length >= (this.options.maxStartsPerMinute ?? 5)) {
      return false;
    }
    this.starts.push(now);
    this.generation++;
    this.synced.clear();
    const generation = this.generation;
    const worker = new Worker(this.options.workerPath, {
      workerData: { vendorDirectory: this.options.vendorDirectory },
      // The engine is JIT-heavy; its own heap limit keeps a runaway document from taking the host down with it.
      resourceLimits: { maxOldGenerationSizeMb: 2048 },
      stdout: false,
      stderr: false,
    });
    this.worker = worker;
    let markReady: (ms: number) => void = () => undefined;
    this.readyAt = new Promise<number>((resolve) => (markReady = resolve));
    worker.on('message', (message: WorkerMessage) => {
      this.lastHeardAt = Date.now();
      if (message.type === 'ready') {
        markReady(message.loadMs);
        this.options.log?.('info', `Kusto language service loaded in the language worker in ${Math.round(message.loadMs)} ms.`);
        return;
      }
      const pending = this.pending.get(message.id);
      if (!pending) {
        return;
      }
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.stale) {
        pending.resolve(undefined);
      } else if (message.error !== undefined) {
        pending.reject(new Error(message.error));
      } else {
        pending.resolve(message.result);
      }
    });
    worker.on('error', (error) => {
      this.options.log?.('error', `The language worker failed: ${error.message}`);
    });
    worker.on('exit', (code) => {
      if (this.generation === generation && this.worker === worker) {
        this.worker = undefined;
        this.failPending(new LanguageWorkerStoppedError(`The language worker stopped (exit code ${code}).`));
        if (!this.disposed) {
          this.options.log?.('warn', `The language worker stopped (exit code ${code}); a new one starts on the next request.`);
        }
      }
    });
    // A new worker knows nothing: give it the database names and schemas the last one had.
    for (const [clusterUrl, names] of this.databaseNames) {
      this.post({ type: 'databaseNames', clusterUrl, names });
    }
    for (const record of this.schemas.values()) {
      if (record.state === 'loaded' && record.schema) {
        void this.postSchema(record, generation);
      } else if (record.state !== 'loaded') {
        this.post({ type: 'schemaState', key: record.key, state: record.state });
      }
    }
    return true;
  }

  private postSchema(record: SchemaRecord, generation: number): Promise<void> {
    const sending = this.postSchemaParts(record, generation).finally(() => this.schemaSends.delete(sending));
    this.schemaSends.add(sending);
    return sending;
  }

  private async postSchemaParts(record: SchemaRecord, generation: number): Promise<void> {
    const schema = record.schema;
    if (!schema) {
      return;
    }
    const { key } = record;
    const size = this.options.schemaPartSize ?? 100;
    const { tables, materializedViews, externalTables, functions, ...info } = schema;
    this.post({ type: 'schemaBegin', key, state: 'loaded', info });
    const lists = { tables, materializedViews, externalTables, functions } as const;
    for (const [name, items] of Object.entries(lists) as [keyof typeof lists, readonly unknown[]][]) {
      for (let index = 0; index < items.length; index += size) {
        if (this.generation !== generation || this.schemas.get(databaseKeyId(key)) !== record) {
          return; // replaced meanwhile: the newer send (or the replay to a new worker) carries on
        }
        this.post({ type: 'schemaPart', key, part: { [name]: items.slice(index, index + size) } } as Notification);
        // Lets the host's event loop run between parts.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (this.generation === generation && this.schemas.get(databaseKeyId(key)) === record) {
      this.post({ type: 'schemaEnd', key });
    }
  }

  private post(message: HostMessage): void {
    this.worker?.postMessage(message);
  }

  private failPending(error: Error): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(error);
    }
  }

  private stopWorker(reason: string): void {
    const worker = this.worker;
    this.worker = undefined;
    this.synced.clear();
    this.failPending(new LanguageWorkerStoppedError(reason));
    void worker?.terminate();
  }
}
