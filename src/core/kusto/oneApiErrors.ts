// Reading Kusto's OneApi error objects ({"error":{code, message, "@message", innererror:{...}}}), which arrive as
// the body of a failed request, inside DataSetCompletion/TableCompletion frames, or in place of a row.

import type { KustoErrorInfo } from './resultTypes';

type JsonObject = Record<string, unknown>;

function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function asInteger(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value.trim()) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= 0 ? number : undefined;
}

const linePositionPattern = /\[line:position\s*=\s*(\d+)\s*:\s*(\d+)\s*\]/i;

/**
 * Kusto writes `[line:position=L:P]` (and `@line`/`@pos` on the inner error) with the line 1-based and the
 * position within the line 0-based ('PerfTest take 5' → 1:9, where `take` is the tenth character). 0:0 means
 * the error has no place in the text (e.g. a command that does not parse at all).
 */
export function toEditorPosition(line: number, position: number): { line: number; column: number } | undefined {
  if (line === 0 && position === 0) {
    return undefined;
  }
  return { line: Math.max(1, line), column: position + 1 };
}

function findPosition(chain: readonly JsonObject[], messages: readonly string[]): { line: number; column: number } | undefined {
  for (let index = chain.length - 1; index >= 0; index--) {
    const line = asInteger(chain[index]['@line']);
    const offset = asInteger(chain[index]['@pos']);
    if (line !== undefined && offset !== undefined) {
      return toEditorPosition(line, offset);
    }
  }
  for (const message of messages) {
    const match = linePositionPattern.exec(message);
    if (match) {
      return toEditorPosition(Number(match[1]), Number(match[2]));
    }
  }
  return undefined;
}

/** The `error` object of a OneApi error document (or the document itself when it has no `error` wrapper). */
export function oneApiErrorObject(document: unknown): JsonObject | undefined {
  const root = asObject(document);
  if (!root) {
    return undefined;
  }
  const inner = asObject(root.error);
  if (inner) {
    return inner;
  }
  return asText(root.code) && (asText(root.message) || asText(root['@message'])) ? root : undefined;
}

/**
 * Code, message and position of a OneApi error. The innermost error carries the specific code (SEM0100,
 * SYN0002) and the most precise message; the outer one says "Request is invalid and cannot be processed".
 */
export function readOneApiError(document: unknown): KustoErrorInfo | undefined {
  const top = oneApiErrorObject(document);
  if (!top) {
    return undefined;
  }
  const chain: JsonObject[] = [top];
  for (let current = asObject(top.innererror); current && chain.length < 16; current = asObject(current.innererror)) {
    chain.push(current);
  }
  let code: string | undefined;
  let message: string | undefined;
  const messages: string[] = [];
  for (let index = chain.length - 1; index >= 0; index--) {
    const entry = chain[index];
    code ??= asText(entry['@errorCode']) ?? asText(entry.code);
    const entryMessage = asText(entry['@message']) ?? asText(entry.message);
    message ??= entryMessage;
    for (const key of ['@message', 'message', '@errorMessage']) {
      const text = asText(entry[key]);
      if (text) {
        messages.push(text);
      }
    }
  }
  const position = findPosition(chain, messages);
  return {
    code: code ?? 'Unknown',
    message: message ?? 'The server reported an error without a message.',
    ...(position ? { position } : {}),
  };
}

/** Whether a OneApi error is the user's to fix (bad query text) rather than a service failure. */
export function isQueryError(document: unknown, info: KustoErrorInfo): boolean {
  const top = oneApiErrorObject(document);
  const type = typeof top?.['@type'] === 'string' ? (top['@type'] as string) : '';
  return (
    /BadRequest|Semantic|Syntax|EntityNotFound|Parse/i.test(type) ||
    /^(SEM|SYN)\d+/.test(info.code) ||
    info.code === 'General_BadRequest' ||
    info.code === 'BadRequest'
  );
}

/** Reads OneApiErrors arrays (DataSetCompletion, TableCompletion, in-data error rows) into error infos. */
export function readOneApiErrorList(list: unknown): KustoErrorInfo[] {
  if (!Array.isArray(list)) {
    const single = readOneApiError(list);
    return single ? [single] : typeof list === 'string' && list.trim() ? [{ code: 'Unknown', message: list }] : [];
  }
  const result: KustoErrorInfo[] = [];
  for (const entry of list) {
    const info = readOneApiError(entry) ?? (typeof entry === 'string' && entry.trim() ? { code: 'Unknown', message: entry } : undefined);
    if (info) {
      result.push(info);
    }
  }
  return result;
}
