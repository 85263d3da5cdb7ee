// Where the query history lives: a small store interface (one text document, changed under an exclusive lock and
// written atomically) and its file implementation. Several VS Code windows share one history file, so every
// change is read-modify-write under a lock file: a window never writes back a stale copy over another's runs.

import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

export interface HistoryStore {
  /**
   * Runs `change` on the stored text (undefined when there is none yet) while no other writer can change it, and
   * stores what it returns (atomically; undefined leaves the text as it was). Returns what `change` returned.
   */
  update(change: (text: string | undefined) => Promise<string | undefined> | string | undefined): Promise<string | undefined>;
  /** The stored text, as last written completely (never a half-written file). */
  read(): Promise<string | undefined>;
  /** Keeps a copy of unreadable text beside the store; returns where (a name a person can find). */
  keepAside(text: string): Promise<string>;
}

export interface FileHistoryStoreOptions {
  /** How long to wait for another window's lock before giving up. */
  readonly lockTimeoutMs?: number;
  /** A lock older than this is taken to be left by a window that died mid-write. */
  readonly staleLockMs?: number;
}

/** One JSON file in a folder (the extension's globalStorageUri), with `<file>.lock` beside it while it changes. */
export class FileHistoryStore implements HistoryStore {
  private readonly file: string;
  private readonly lockFile: string;
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;
  /** Changes from this process run one after another (the lock file orders them against other processes). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly folder: string,
    fileName = 'queryHistory.json',
    options: FileHistoryStoreOptions = {},
  ) {
    this.file = path.join(folder, fileName);
    this.lockFile = `${this.file}.lock`;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 5000;
    this.staleLockMs = options.staleLockMs ?? 10_000;
  }

  get filePath(): string {
    return this.file;
  }

  async read(): Promise<string | undefined> {
    try {
      return await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  update(change: (text: string | undefined) => Promise<string | undefined> | string | undefined): Promise<string | undefined> {
    const run = this.queue.then(() => this.updateLocked(change));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async keepAside(text: string): Promise<string> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const aside = path.join(this.folder, `${path.basename(this.file, '.json')}.corrupt-${stamp}.json`);
    await fs.writeFile(aside, text, 'utf8');
    return aside;
  }

  private async updateLocked(change: (text: string | undefined) => Promise<string | undefined> | string | undefined): Promise<string | undefined> {
    await fs.mkdir(this.folder, { recursive: true });
    const release = await this.lock();
    try {
      const next = await change(await this.read());
      if (next !== undefined) {
        await this.writeAtomically(next);
      }
      return next;
    } finally {
      await release();
    }
  }

  /** Write a temporary file and rename it over the old one: a reader sees the old text or the new, never half. */
  private async writeAtomically(text: string): Promise<void> {
    const temporary = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await fs.open(temporary, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(temporary, this.file);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  private async lock(): Promise<() => Promise<void>> {
    const token = `${process.pid}:${randomBytes(6).toString('hex')}`;
    const deadline = Date.now() + this.lockTimeoutMs;
    let delay = 5;
    for (;;) {
      try {
        await fs.writeFile(this.lockFile, token, { flag: 'wx' });
        return async () => {
          // Remove only our own lock (a stale-lock breaker may have replaced it).
          const holder = await fs.readFile(this.lockFile, 'utf8').catch(() => undefined);
          if (holder === token) await fs.rm(this.lockFile, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const stat = await fs.stat(this.lockFile).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > this.staleLockMs) {
        await fs.rm(this.lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `The query history file is locked by another window (${this.lockFile}); if no other window is writing it, delete that file.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 100);
    }
  }
}

/** A store in memory, for tests and for when history has nowhere to be written. */
export class MemoryHistoryStore implements HistoryStore {
  text: string | undefined;
  readonly asides: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(initial?: string) {
    this.text = initial;
  }

  async read(): Promise<string | undefined> {
    return this.text;
  }

  update(change: (text: string | undefined) => Promise<string | undefined> | string | undefined): Promise<string | undefined> {
    const run = this.queue.then(async () => {
      const next = await change(this.text);
      if (next !== undefined) this.text = next;
      return next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async keepAside(text: string): Promise<string> {
    this.asides.push(text);
    return `memory aside #${this.asides.length}`;
  }
}
