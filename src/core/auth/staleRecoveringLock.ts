// A lock for token cache accesses that recovers from a holder that never lets go (MSAL skipped afterCacheAccess,
// or a keychain prompt nobody answers): after `staleMs` of holding, the holder loses the lock and the next waiter
// takes it. Every later access waits for that new holder only, never again for the stale one.

export class StaleRecoveringLock {
  private holder: { readonly since: number } | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly staleMs: number,
    private readonly onStale?: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves with the release function once this caller holds the lock; releasing twice, or late, does nothing. */
  async acquire(): Promise<() => void> {
    while (this.holder) {
      const remaining = this.holder.since + this.staleMs - this.now();
      if (remaining <= 0) {
        this.holder = undefined;
        this.onStale?.();
        break;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        timer.unref?.();
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const mine = { since: this.now() };
    this.holder = mine;
    return () => {
      if (this.holder !== mine) {
        return; // already released, or taken over after it went stale
      }
      this.holder = undefined;
      const waiting = this.waiters;
      this.waiters = [];
      waiting.forEach((wake) => wake());
    };
  }
}
