// The query history: one entry per run (text, connection, when, how long, how many rows, how it ended), newest
// first, bounded. Only what is listed in HistoryEntry is ever stored: never a token, never result data.
// Every change reads the stored document under the store's lock and writes it back, so two windows running
// queries at the same time both keep their runs (a merge, not last-writer-wins), and a delete in one window is
// not undone by another.

import type { HistoryStore } from './historyStore';

export type RunOutcome = 'ok' | 'error' | 'cancelled';

export interface HistoryEntry {
  /** The run's id (unique per run). */
  readonly id: string;
  readonly text: string;
  readonly clusterUrl: string;
  readonly database: string;
  /** Epoch milliseconds when the run started. */
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: RunOutcome;
  /** Rows in the primary results (ok runs). */
  readonly rows?: number;
  /** Kusto's error code (error runs), e.g. "SEM0100" or "General_BadRequest". */
  readonly errorCode?: string;
  /** True when the text was longer than the stored limit and cut. */
  readonly textCut?: boolean;
}

export const HISTORY_FORMAT_VERSION = 1;
export const DEFAULT_MAX_HISTORY_ENTRIES = 1000;
/** Longer query texts are cut: history is for finding a run again, and the file must stay small to rewrite. */
export const MAX_STORED_TEXT_CHARS = 64 * 1024;

interface HistoryDocument {
  readonly version: number;
  readonly entries: HistoryEntry[];
}

export interface QueryHistoryOptions {
  readonly maxEntries?: number;
  /** Told (once per problem) when the stored history could not be read and was kept aside. */
  readonly onProblem?: (message: string) => void;
}

export class QueryHistory {
  private readonly maxEntries: number;
  private readonly onProblem: (message: string) => void;

  constructor(
    private readonly store: HistoryStore,
    options: QueryHistoryOptions = {},
  ) {
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? DEFAULT_MAX_HISTORY_ENTRIES));
    this.onProblem = options.onProblem ?? (() => undefined);
  }

  /** Every stored run, newest first. */
  async list(): Promise<HistoryEntry[]> {
    const text = await this.store.read();
    const { entries, problem } = parseHistory(text);
    if (problem) {
      // Repair under the lock (another window may have repaired it already: then nothing is kept aside twice).
      return this.change((current) => current);
    }
    return entries;
  }

  async add(entry: HistoryEntry): Promise<void> {
    const stored = toStoredEntry(entry);
    await this.change((entries) => [stored, ...entries.filter((e) => e.id !== stored.id)]);
  }

  async remove(id: string): Promise<void> {
    await this.change((entries) => entries.filter((e) => e.id !== id));
  }

  async clear(): Promise<void> {
    await this.change(() => []);
  }

  async get(id: string): Promise<HistoryEntry | undefined> {
    return (await this.list()).find((e) => e.id === id);
  }

  private async change(apply: (entries: HistoryEntry[]) => HistoryEntry[]): Promise<HistoryEntry[]> {
    let result: HistoryEntry[] = [];
    await this.store.update(async (text) => {
      const parsed = parseHistory(text);
      if (parsed.problem && text !== undefined) {
        const aside = await this.store.keepAside(text);
        this.onProblem(`${parsed.problem} The old file was kept as ${aside}; the history continues without the unreadable part.`);
      }
      result = newestFirst(apply(parsed.entries)).slice(0, this.maxEntries);
      return JSON.stringify({ version: HISTORY_FORMAT_VERSION, entries: result } satisfies HistoryDocument);
    });
    return result;
  }
}

/** Entries whose text, connection or outcome contain every word of `query` (case-insensitive). */
export function searchHistory(entries: readonly HistoryEntry[], query: string): HistoryEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...entries];
  return entries.filter((entry) => {
    const haystack = [entry.text, entry.clusterUrl, entry.database, outcomeLabel(entry)].join('\n').toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}

/** "ok · 42 rows", "error SEM0100", "cancelled". */
export function outcomeLabel(entry: HistoryEntry): string {
  switch (entry.outcome) {
    case 'ok':
      return `ok · ${(entry.rows ?? 0).toLocaleString('en-US')} row${entry.rows === 1 ? '' : 's'}`;
    case 'error':
      return entry.errorCode ? `error ${entry.errorCode}` : 'error';
    case 'cancelled':
      return 'cancelled';
  }
}

/** The query's first telling line (not a comment, `set` or parameter declaration), shortened: a label for lists. */
export function historyTitle(entry: HistoryEntry, maxChars = 80): string {
  const lines = entry.text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('//'));
  // `set` options and parameter declarations say little about a query: title it by what follows them.
  const line = lines.find((l) => !/^(set\s+\w+|declare\s+query_parameters\b)/.test(l)) ?? lines[0] ?? entry.text.trim();
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}

/** "1.2 s", "850 ms", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Reads a stored history document; what cannot be read is reported as a problem, never thrown. */
export function parseHistory(text: string | undefined): { entries: HistoryEntry[]; problem?: string } {
  if (text === undefined || text.trim() === '') return { entries: [] };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { entries: [], problem: `The query history file is not valid JSON (${(error as Error).message}).` };
  }
  if (!isRecord(document) || !Array.isArray(document.entries)) {
    return { entries: [], problem: 'The query history file does not hold a history ({"version":1,"entries":[…]}).' };
  }
  if (typeof document.version === 'number' && document.version > HISTORY_FORMAT_VERSION) {
    return { entries: [], problem: `The query history file was written by a newer version (format ${document.version}).` };
  }
  const entries: HistoryEntry[] = [];
  let unreadable = 0;
  for (const raw of document.entries) {
    const entry = readEntry(raw);
    if (entry) entries.push(entry);
    else unreadable++;
  }
  return unreadable > 0
    ? { entries: newestFirst(entries), problem: `${unreadable} entr${unreadable === 1 ? 'y' : 'ies'} of the query history could not be read.` }
    : { entries: newestFirst(entries) };
}

function newestFirst(entries: HistoryEntry[]): HistoryEntry[] {
  return entries.sort((a, b) => b.startedAt - a.startedAt);
}

/** Copies only the known fields (nothing else the caller's object carries reaches the file). */
function toStoredEntry(entry: HistoryEntry): HistoryEntry {
  const cut = entry.text.length > MAX_STORED_TEXT_CHARS;
  return {
    id: entry.id,
    text: cut ? entry.text.slice(0, MAX_STORED_TEXT_CHARS) : entry.text,
    clusterUrl: entry.clusterUrl,
    database: entry.database,
    startedAt: entry.startedAt,
    durationMs: Math.max(0, Math.round(entry.durationMs)),
    outcome: entry.outcome,
    ...(entry.rows !== undefined ? { rows: entry.rows } : {}),
    ...(entry.errorCode ? { errorCode: entry.errorCode } : {}),
    ...(cut || entry.textCut ? { textCut: true } : {}),
  };
}

function readEntry(raw: unknown): HistoryEntry | undefined {
  if (!isRecord(raw)) return undefined;
  const { id, text, clusterUrl, database, startedAt, durationMs, outcome, rows, errorCode } = raw;
  if (
    typeof id !== 'string' ||
    typeof text !== 'string' ||
    typeof clusterUrl !== 'string' ||
    typeof database !== 'string' ||
    typeof startedAt !== 'number' ||
    !Number.isFinite(startedAt) ||
    typeof durationMs !== 'number' ||
    (outcome !== 'ok' && outcome !== 'error' && outcome !== 'cancelled') ||
    (rows !== undefined && typeof rows !== 'number') ||
    (errorCode !== undefined && typeof errorCode !== 'string')
  ) {
    return undefined;
  }
  return toStoredEntry({ id, text, clusterUrl, database, startedAt, durationMs, outcome, rows, errorCode, textCut: raw.textCut === true });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
