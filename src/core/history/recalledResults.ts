// Results of this session kept to be shown again without asking the server: a byte budget, oldest evicted first.
// A result is kept as the JSON bytes the server sent (RawJsonRows), so what it costs is known, not guessed.

import { RawJsonRows } from '../kusto/rawJsonRows';
import type { KustoResponse, KustoTable } from '../kusto/resultTypes';

export const DEFAULT_RECALL_BUDGET_BYTES = 256 * 1024 * 1024;

/** Bytes a response holds in memory: its rows' bytes as received (tables built in memory: their JSON size). */
export function responseBytes(response: KustoResponse): number {
  let total = 0;
  for (const table of response.allTables) {
    total += tableBytes(table);
  }
  return total;
}

function tableBytes(table: KustoTable): number {
  const columns = table.columns.reduce((sum, c) => sum + c.name.length + c.type.length + 8, 64);
  if (table.rows instanceof RawJsonRows) {
    // The bytes plus one number per row for where it ends.
    return columns + table.rows.log.length + table.rows.length * 8;
  }
  let rows = 0;
  for (const row of table.rows) {
    rows += JSON.stringify(row).length + 1;
  }
  return columns + rows;
}

interface Kept<T> {
  readonly value: T;
  readonly bytes: number;
}

/** Values by key within a byte budget; adding past the budget evicts the oldest first. */
export class RecalledResults<T> {
  private readonly kept = new Map<string, Kept<T>>();
  private used = 0;

  constructor(private budgetBytes: number = DEFAULT_RECALL_BUDGET_BYTES) {}

  get usedBytes(): number {
    return this.used;
  }

  get size(): number {
    return this.kept.size;
  }

  /** Keeps `value`; false (and nothing kept) when it alone is larger than the budget. Returns keys evicted. */
  keep(key: string, value: T, bytes: number): { kept: boolean; evicted: string[] } {
    this.drop(key);
    if (bytes > this.budgetBytes) {
      return { kept: false, evicted: [] };
    }
    this.kept.set(key, { value, bytes });
    this.used += bytes;
    return { kept: true, evicted: this.evictToBudget() };
  }

  get(key: string): T | undefined {
    return this.kept.get(key)?.value;
  }

  has(key: string): boolean {
    return this.kept.has(key);
  }

  drop(key: string): void {
    const old = this.kept.get(key);
    if (old) {
      this.kept.delete(key);
      this.used -= old.bytes;
    }
  }

  clear(): void {
    this.kept.clear();
    this.used = 0;
  }

  /** A smaller budget evicts at once. */
  setBudget(bytes: number): string[] {
    this.budgetBytes = Math.max(0, bytes);
    return this.evictToBudget();
  }

  private evictToBudget(): string[] {
    const evicted: string[] = [];
    // Map iteration is insertion order: the first key is the oldest.
    while (this.used > this.budgetBytes && this.kept.size > 0) {
      const oldest = this.kept.keys().next().value as string;
      this.drop(oldest);
      evicted.push(oldest);
    }
    return evicted;
  }
}
