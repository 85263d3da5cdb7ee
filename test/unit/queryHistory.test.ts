import * as assert from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileHistoryStore, MemoryHistoryStore } from '../../src/core/history/historyStore';
import {
  MAX_STORED_TEXT_CHARS,
  QueryHistory,
  historyTitle,
  outcomeLabel,
  searchHistory,
  type HistoryEntry,
} from '../../src/core/history/queryHistory';

function entry(n: number, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: `run-${n}`,
    text: `StormEvents | take ${n}`,
    clusterUrl: 'https://help.kusto.windows.net',
    database: 'Samples',
    startedAt: 1_700_000_000_000 + n * 1000,
    durationMs: 120 + n,
    outcome: 'ok',
    rows: n,
    ...extra,
  };
}

describe('query history', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'kusto-history-'));
  });

  afterEach(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  it('keeps runs across restarts, newest first, with outcome, rows and duration', async () => {
    const first = new QueryHistory(new FileHistoryStore(folder));
    await first.add(entry(1));
    await first.add(entry(2, { outcome: 'error', errorCode: 'SEM0100', rows: undefined }));
    await first.add(entry(3, { outcome: 'cancelled', rows: undefined }));

    const restarted = new QueryHistory(new FileHistoryStore(folder));
    const entries = await restarted.list();
    assert.deepStrictEqual(entries.map((e) => e.id), ['run-3', 'run-2', 'run-1']);
    assert.deepStrictEqual(entries.map(outcomeLabel), ['cancelled', 'error SEM0100', 'ok · 1 row']);
    assert.strictEqual(entries[2].durationMs, 121);
    assert.strictEqual(entries[2].database, 'Samples');
  });

  it('is bounded: keeps only the newest runs', async () => {
    const history = new QueryHistory(new MemoryHistoryStore(), { maxEntries: 1000 });
    for (let n = 1; n <= 1005; n++) {
      await history.add(entry(n));
    }
    const entries = await history.list();
    assert.strictEqual(entries.length, 1000);
    assert.strictEqual(entries[0].id, 'run-1005');
    assert.strictEqual(entries[999].id, 'run-6');
  });

  it('stores only the listed fields: nothing else the caller passes (a token, rows) reaches the file', async () => {
    const store = new FileHistoryStore(folder);
    const history = new QueryHistory(store);
    const leaky = { ...entry(1), accessToken: 'eyJ0eXAiOiJKV1Qi.secret', resultRows: [['Florida', 12]] } as HistoryEntry;
    await history.add(leaky);
    const text = (await store.read()) ?? '';
    assert.ok(!text.includes('eyJ0eXAi'), 'no token text in the history file');
    assert.ok(!text.includes('Florida'), 'no result data in the history file');
    assert.ok(text.includes('StormEvents | take 1'));
  });

  it('cuts very long query texts and says so', async () => {
    const history = new QueryHistory(new MemoryHistoryStore());
    await history.add(entry(1, { text: 'x'.repeat(MAX_STORED_TEXT_CHARS + 10) }));
    const [stored] = await history.list();
    assert.strictEqual(stored.text.length, MAX_STORED_TEXT_CHARS);
    assert.strictEqual(stored.textCut, true);
  });

  it('two windows writing at the same time: every run of both is kept (merged, not overwritten)', async () => {
    const windowA = new QueryHistory(new FileHistoryStore(folder));
    const windowB = new QueryHistory(new FileHistoryStore(folder));
    const writes: Promise<void>[] = [];
    for (let n = 0; n < 40; n++) {
      writes.push(windowA.add(entry(n, { id: `a-${n}` })));
      writes.push(windowB.add(entry(n, { id: `b-${n}` })));
    }
    await Promise.all(writes);
    const ids = new Set((await windowA.list()).map((e) => e.id));
    assert.strictEqual(ids.size, 80);
    const leftovers = (await fs.readdir(folder)).filter((name) => name.endsWith('.tmp') || name.endsWith('.lock'));
    assert.deepStrictEqual(leftovers, [], 'no temporary or lock file is left behind');
  });

  it('a delete in one window is not undone by the other window writing later', async () => {
    const windowA = new QueryHistory(new FileHistoryStore(folder));
    const windowB = new QueryHistory(new FileHistoryStore(folder));
    await windowA.add(entry(1));
    await windowA.add(entry(2));
    assert.strictEqual((await windowB.list()).length, 2);
    await windowA.remove('run-1');
    await windowB.add(entry(3));
    assert.deepStrictEqual((await windowB.list()).map((e) => e.id), ['run-3', 'run-2']);
    await windowB.clear();
    assert.deepStrictEqual(await windowA.list(), []);
  });

  it('a lock left by a window that died is broken after it goes stale', async () => {
    await fs.writeFile(path.join(folder, 'queryHistory.json.lock'), 'dead window');
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(path.join(folder, 'queryHistory.json.lock'), old, old);
    const history = new QueryHistory(new FileHistoryStore(folder, undefined, { staleLockMs: 1000 }));
    await history.add(entry(1));
    assert.strictEqual((await history.list()).length, 1);
  });

  it('a corrupt file is kept aside, replaced, and the user is told where it went', async () => {
    const file = path.join(folder, 'queryHistory.json');
    await fs.writeFile(file, '{"version":1,"entries":[{"id":"x", tru');
    const problems: string[] = [];
    const history = new QueryHistory(new FileHistoryStore(folder), { onProblem: (m) => problems.push(m) });
    assert.deepStrictEqual(await history.list(), []);
    await history.add(entry(1));
    assert.strictEqual(problems.length, 1, 'told once');
    assert.match(problems[0], /not valid JSON.*kept as .*queryHistory\.corrupt-.*\.json/s);
    const aside = (await fs.readdir(folder)).find((name) => name.startsWith('queryHistory.corrupt-'));
    assert.ok(aside);
    assert.strictEqual(await fs.readFile(path.join(folder, aside), 'utf8'), '{"version":1,"entries":[{"id":"x", tru');
    assert.deepStrictEqual((await history.list()).map((e) => e.id), ['run-1']);
  });

  it('unreadable entries are kept aside while the readable ones stay', async () => {
    const good = entry(1);
    const store = new MemoryHistoryStore(JSON.stringify({ version: 1, entries: [good, { id: 7, text: null }] }));
    const problems: string[] = [];
    const history = new QueryHistory(store, { onProblem: (m) => problems.push(m) });
    assert.deepStrictEqual((await history.list()).map((e) => e.id), ['run-1']);
    assert.strictEqual(store.asides.length, 1);
    assert.match(problems[0], /1 entry of the query history could not be read/);
  });

  it('search finds runs by words of the text, the connection and the outcome', () => {
    const entries = [
      entry(1, { text: 'StormEvents | where State == "TEXAS"' }),
      entry(2, { text: 'PopulationData | take 5', database: 'ContosoSales' }),
      entry(3, { text: 'StormEvents | bad', outcome: 'error', errorCode: 'SEM0100' }),
    ];
    assert.deepStrictEqual(searchHistory(entries, 'storm texas').map((e) => e.id), ['run-1']);
    assert.deepStrictEqual(searchHistory(entries, 'contososales').map((e) => e.id), ['run-2']);
    assert.deepStrictEqual(searchHistory(entries, 'SEM0100').map((e) => e.id), ['run-3']);
    assert.strictEqual(searchHistory(entries, '  ').length, 3);
  });

  it('titles a run by its first line that is not a comment', () => {
    assert.strictEqual(historyTitle(entry(1, { text: '// daily check\nStormEvents\n| count' })), 'StormEvents');
    assert.strictEqual(historyTitle(entry(2, { text: 'set notruncation;\ndeclare query_parameters(n:long = 3);\nStormEvents | take n' })), 'StormEvents | take n');
    assert.strictEqual(historyTitle(entry(3, { text: 'set notruncation;' })), 'set notruncation;');
  });
});
