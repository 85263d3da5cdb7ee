// Work over a large result, written once as a generator that yields at safe points, run two ways: to the end at
// once (small tables, tests) or in slices of a few milliseconds that give the event loop back in between, so a
// filter, sort or export of a million rows never freezes the extension host. Both ways run the same code, so they
// produce the same rows. A slice also checks for cancellation: a newer keystroke stops an older filter at once.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';

/** What a piece of work says when it pauses: how far it has come (optional). */
export interface WorkProgress {
  readonly done: number;
  readonly total: number;
}

/** A computation that yields at points where it may pause; its return value is the result. */
export type Work<T> = Generator<WorkProgress | undefined, T, void>;

/** The error a cancelled piece of work ends with. */
export class WorkCancelledError extends Error {
  constructor(what = 'The operation') {
    super(`${what} was cancelled.`);
    this.name = 'WorkCancelledError';
  }
}

export function isWorkCancelled(error: unknown): error is WorkCancelledError {
  return error instanceof WorkCancelledError;
}

/** Runs `work` to its end without pausing. */
export function runToEnd<T>(work: Work<T>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}

export interface SliceOptions {
  readonly signal?: AbortSignal;
  /** Longest stretch of work between two turns of the event loop; 8 ms keeps p99 delay well under a frame. */
  readonly sliceMs?: number;
  /** Called at each pause with the latest progress the work reported. */
  readonly onPause?: (progress: WorkProgress | undefined) => void;
  /** Named in the cancellation error. */
  readonly what?: string;
}

export const DEFAULT_SLICE_MS = 8;

/** Runs `work` in slices of at most `sliceMs`, giving the event loop a turn between them; rejects when cancelled. */
export async function runSliced<T>(work: Work<T>, options: SliceOptions = {}): Promise<T> {
  const sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
  const signal = options.signal;
  let sliceStart = performance.now();
  let latest: WorkProgress | undefined;
  try {
    for (;;) {
      if (signal?.aborted) throw new WorkCancelledError(options.what);
      const step = work.next();
      if (step.done) return step.value;
      if (step.value) latest = step.value;
      if (performance.now() - sliceStart >= sliceMs) {
        options.onPause?.(latest);
        await nextTurn();
        sliceStart = performance.now();
      }
    }
  } finally {
    // Runs the generator's own `finally` blocks when it is abandoned half way.
    work.return(undefined as never);
  }
}

/**
 * A pause point for work that is itself async (an export writing to a stream): yields to the event loop once the
 * current slice has run `sliceMs`, and throws when cancelled.
 */
export class SliceClock {
  private sliceStart = performance.now();

  constructor(
    private readonly signal?: AbortSignal,
    private readonly sliceMs = DEFAULT_SLICE_MS,
    private readonly what?: string,
  ) {}

  /** True when the slice is used up: the caller should `await pause()`. Cheap enough to ask every few rows. */
  get due(): boolean {
    return performance.now() - this.sliceStart >= this.sliceMs;
  }

  async pause(): Promise<void> {
    if (this.signal?.aborted) throw new WorkCancelledError(this.what);
    await nextTurn();
    this.sliceStart = performance.now();
    if (this.signal?.aborted) throw new WorkCancelledError(this.what);
  }
}
