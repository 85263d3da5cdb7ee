// Entry of the language worker (a worker_threads thread, its own bundle dist/languageWorker.js): loads Kusto.Language
// from the vendor folder it is given and answers the host's requests. Nothing here runs on the extension host thread.
import { parentPort, workerData } from 'node:worker_threads';
import { UnsyncedDocumentError } from './documentBlocks';
import { LanguageEngine } from './languageEngine';
import { loadKustoLanguage } from './kustoLanguageLibrary';
import type { HostMessage, RequestMap, WorkerMessage } from './languageProtocol';

interface WorkerOptions {
  readonly vendorDirectory: string;
}

const port = parentPort;
if (!port) {
  throw new Error('languageWorker must run in a worker thread.');
}
const options = workerData as WorkerOptions;
const started = performance.now();
const library = loadKustoLanguage(options.vendorDirectory);
const engine = new LanguageEngine(library);
/** Newest diagnostics (or semantic tokens) request per document: an older one still running stops between blocks. */
const latestRequest = new Map<string, number>();

function post(message: WorkerMessage): void {
  port!.postMessage(message);
}

/** Lets other messages (a completion while a long file is checked) run between blocks. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function answer(id: number, method: keyof RequestMap, params: unknown): Promise<unknown> {
  switch (method) {
    case 'complete': {
      const p = params as RequestMap['complete']['params'];
      return engine.complete(p.document, p.offset);
    }
    case 'diagnostics': {
      const p = params as RequestMap['diagnostics']['params'];
      latestRequest.set(p.document.uri, id);
      let sliceStart = performance.now();
      const result = await engine.diagnostics(p.document, async () => {
        if (performance.now() - sliceStart > 8) {
          await yieldToMessages();
          sliceStart = performance.now();
        }
        return latestRequest.get(p.document.uri) === id;
      });
      if (latestRequest.get(p.document.uri) !== id) {
        throw new StaleRequest();
      }
      return result;
    }
    case 'semanticTokens': {
      const p = params as RequestMap['semanticTokens']['params'];
      const key = `${p.start === undefined ? 'tokens' : 'range tokens'} ${p.document.uri}`;
      latestRequest.set(key, id);
      let sliceStart = performance.now();
      const result = await engine.semanticTokens(p.document, p.start, p.end, async () => {
        if (performance.now() - sliceStart > 8) {
          await yieldToMessages();
          sliceStart = performance.now();
        }
        return latestRequest.get(key) === id;
      });
      if (latestRequest.get(key) !== id) {
        throw new StaleRequest();
      }
      return result;
    }
    case 'hover': {
      const p = params as RequestMap['hover']['params'];
      return engine.hover(p.document, p.offset);
    }
    case 'format': {
      const p = params as RequestMap['format']['params'];
      return engine.format(p.document, p.start, p.end);
    }
    case 'related': {
      const p = params as RequestMap['related']['params'];
      return engine.related(p.document, p.offset);
    }
    case 'signatureHelp': {
      const p = params as RequestMap['signatureHelp']['params'];
      return engine.signatureHelp(p.document, p.offset);
    }
    case 'memory': {
      const usage = process.memoryUsage();
      return { rss: usage.rss, heapUsed: usage.heapUsed };
    }
  }
}

class StaleRequest extends Error {}

port.on('message', (message: HostMessage) => {
  if (message.type !== 'request') {
    try {
      engine.notify(message);
    } catch (error) {
      console.error(`Language worker could not apply ${message.type}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return;
  }
  answer(message.id, message.method, message.params).then(
    (result) => post({ type: 'response', id: message.id, result }),
    (error: unknown) => {
      if (error instanceof StaleRequest) {
        post({ type: 'response', id: message.id, stale: true });
      } else if (error instanceof UnsyncedDocumentError) {
        post({ type: 'response', id: message.id, error: 'unsynced' });
      } else {
        post({ type: 'response', id: message.id, error: describe(error) });
      }
    },
  );
});

function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  const bridged = error as { message?: unknown } | undefined;
  return typeof bridged?.message === 'string' ? bridged.message : String(error);
}

post({ type: 'ready', loadMs: performance.now() - started });
// After "ready", one step per turn of the event loop: a request sent meanwhile waits for one step, not all.
const warmUp = engine.warmUpSteps();
function nextWarmUpStep(): void {
  const step = warmUp.shift();
  if (!step) {
    return;
  }
  try {
    step();
  } catch (error) {
    console.error(`Language worker warm-up failed: ${describe(error)}`);
    return;
  }
  setImmediate(nextWarmUpStep);
}
setImmediate(nextWarmUpStep);
