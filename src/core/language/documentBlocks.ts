// A document as the language worker holds it: its text split into blocks exactly as the query runner splits them
// (listBlockSpans), each block keeping its Kusto.Language code service while its text and the globals stay the same.

import { listBlockSpans } from '../kql/queryBlocks';
import type { KustoCodeService, KustoGlobalState } from './kustoLanguageLibrary';
import type { DatabaseKey, DocumentRef } from './languageProtocol';
import type { LineIndex } from './semanticTokens';

export interface Block {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly commentsOnly: boolean;
  service?: KustoCodeService;
  globals?: KustoGlobalState;
}

export interface DocumentState {
  readonly uri: string;
  version: number;
  text: string;
  connection?: DatabaseKey;
  blocks: Block[];
  lines?: LineIndex;
}

/** Thrown when a request names a document version the engine has not been given the text of. */
export class UnsyncedDocumentError extends Error {
  constructor(uri: string) {
    super(`The language worker does not have the current text of ${uri}.`);
    this.name = 'UnsyncedDocumentError';
  }
}

/**
 * `existing` brought up to `ref`: the same state when the text is not given (it must be the version the engine has)
 * or unchanged, else a new state whose blocks keep the services of blocks with the same text.
 */
export function syncedDocument(existing: DocumentState | undefined, ref: DocumentRef): DocumentState {
  if (ref.text === undefined) {
    if (!existing || existing.version !== ref.version) {
      throw new UnsyncedDocumentError(ref.uri);
    }
    if (!sameKey(existing.connection, ref.connection)) {
      existing.connection = ref.connection;
    }
    return existing;
  }
  if (existing && existing.version === ref.version && existing.text === ref.text) {
    existing.connection = ref.connection;
    return existing;
  }
  const previous = new Map<string, Block>();
  for (const block of existing?.blocks ?? []) {
    if (block.service) {
      previous.set(block.text, block);
    }
  }
  const text = ref.text;
  const blocks = listBlockSpans(text).map((span): Block => {
    const blockText = text.slice(span.start, span.end);
    const reused = previous.get(blockText);
    return { ...span, text: blockText, service: reused?.service, globals: reused?.globals };
  });
  const state: DocumentState = { uri: ref.uri, version: ref.version, text, connection: ref.connection, blocks };
  return state;
}

/** The block an offset belongs to: inside one, or at its end (typing at the end of the last line). */
export function blockAt(document: DocumentState, offset: number): Block | undefined {
  let low = 0;
  let high = document.blocks.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const block = document.blocks[middle];
    if (offset < block.start) {
      high = middle - 1;
    } else if (offset > block.end) {
      low = middle + 1;
    } else {
      return block;
    }
  }
  return undefined;
}

function sameKey(a: DatabaseKey | undefined, b: DatabaseKey | undefined): boolean {
  return a?.clusterUrl === b?.clusterUrl && a?.database === b?.database;
}
