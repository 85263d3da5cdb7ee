// Runs async tasks one after another. MSAL reads the whole cache, changes it and writes it back; two calls in
// flight at once would each write their own copy and lose the other's changes.

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // The queue goes on whether the task succeeded or not; the caller sees the task's own outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Shares one in-flight promise among callers asking for the same key (e.g. one refresh per account and scope). */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, task: () => Promise<T>): Promise<T> {
    const existing = this.inFlight.get(key);
    if (existing) {
      return existing;
    }
    const started = task().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  get size(): number {
    return this.inFlight.size;
  }
}
