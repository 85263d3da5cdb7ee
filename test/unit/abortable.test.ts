import assert from 'node:assert/strict';
import { raceAbort } from '../../src/core/abortable';

describe('raceAbort', () => {
  it('gives the work its answer when nobody cancels', async () => {
    const controller = new AbortController();
    assert.equal(await raceAbort(Promise.resolve(42), controller.signal), 42);
  });

  it('rejects at once when the signal fires, without waiting for the work, and stops the work', async () => {
    const controller = new AbortController();
    let stopped = 0;
    const never = new Promise<number>(() => undefined);
    const raced = raceAbort(never, controller.signal, { onAbort: () => stopped++ });
    controller.abort();
    await assert.rejects(raced, { name: 'AbortError', message: 'The request was cancelled.' });
    assert.equal(stopped, 1);
  });

  it('rejects with the caller’s own error for a signal already fired, and a late failure of the work stays quiet', async () => {
    const controller = new AbortController();
    controller.abort();
    let unhandled = 0;
    const onUnhandled = (): void => void unhandled++;
    process.on('unhandledRejection', onUnhandled);
    try {
      const late = new Promise<number>((_, reject) => setTimeout(() => reject(new Error('late')), 5));
      await assert.rejects(raceAbort(late, controller.signal, { error: () => new Error('cancelled by you') }), /cancelled by you/);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(unhandled, 0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('passes the work’s own failure through', async () => {
    const controller = new AbortController();
    await assert.rejects(raceAbort(Promise.reject(new Error('401 from the cluster')), controller.signal), /401 from the cluster/);
  });
});
