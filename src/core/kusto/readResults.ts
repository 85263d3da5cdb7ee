// A 200 answer read as it streams in: the body decoded by its Content-Encoding (with a cap on its decompressed
// size), fed chunk by chunk to the v1/v2 parser, rows counted against the request's row limit, the primary table
// handed out while it fills, and every way the body can fail turned into a KustoRequestError.

import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { KustoBodyError, KustoRequestError, KustoResponseFormatError } from './kustoErrors';
import type { KustoRequest } from './kustoRequest';
import { effectiveRowLimit } from './querySetStatements';
import { errorCode, formatByteCount, isDecompressionError, requestError, type AttemptContext } from './requestErrorMessages';
import { ResponseTooLargeError, UnsupportedEncodingError, contentEncoding, decodedBody } from './responseBody';
import { KustoResponseParser } from './responseParser';
import type { KustoResponse } from './resultTypes';

/** Reads the body of a 200 answer into a KustoResponse; on any failure the body is destroyed and an error thrown. */
export async function readResults(
  context: AttemptContext,
  request: KustoRequest,
  response: Dispatcher.ResponseData,
  isCommand: boolean,
  signal: AbortSignal,
  abortedError: () => KustoRequestError,
  startedAt: number,
  defaultMaxResponseBytes: number,
): Promise<KustoResponse> {
  const onProgress = request.onProgress;
  const onPrimaryRows = request.onPrimaryRows;
  let rowsArrived = false;
  let primaryRowsShown = 0;
  const parser = new KustoResponseParser({
    onRowsReceived:
      onProgress || onPrimaryRows
        ? (rowsReceived) => {
            rowsArrived = true;
            try {
              onProgress?.({ rowsReceived });
            } catch {
              // A failing progress listener must not fail the request.
            }
          }
        : undefined,
  });
  const reportPrimaryRows = (): void => {
    rowsArrived = false;
    const table = parser.primarySoFar();
    if (!table || table.rows.length <= primaryRowsShown) return;
    primaryRowsShown = table.rows.length;
    try {
      onPrimaryRows!(table);
    } catch {
      // A failing listener must not fail the request.
    }
  };
  const encoding = contentEncoding(response.headers['content-encoding']);
  const maxResponseBytes = request.maxResponseBytes ?? defaultMaxResponseBytes;
  let source: AsyncIterable<Buffer> & Readable;
  try {
    source = decodedBody(response.body, encoding, maxResponseBytes);
  } catch (error) {
    response.body.destroy();
    if (!(error instanceof UnsupportedEncodingError)) {
      throw error;
    }
    throw requestError(context, {
      kind: 'malformedResponse',
      code: 'MalformedResponse',
      message: `The response from ${context.clusterUrl} uses an unsupported content encoding "${error.encoding}".`,
      httpStatus: 200,
    });
  }
  // A query may lift or set the limit itself (`set notruncation;`): the server follows its text, and so must we.
  const rowLimit = isCommand ? request.resultRowLimit : effectiveRowLimit(request.text, request.resultRowLimit);
  const tooManyRows = (rows: number): KustoRequestError =>
    requestError(context, {
      kind: 'server',
      code: 'RowLimitExceeded',
      message:
        `The cluster ${context.clusterUrl} sent more than ${rowLimit} rows in one table, the limit this request asked for ` +
        `(truncationmaxrecords; received ${rows}). The rest was not read. Raise the setting kusto.query.resultRowLimit, or narrow the query (take, summarize).`,
      httpStatus: 200,
    });
  let completed = false;
  try {
    for await (const chunk of source) {
      parser.push(chunk);
      if (rowLimit !== undefined && parser.rowsInCurrentTable > rowLimit) {
        throw tooManyRows(parser.rowsInCurrentTable);
      }
      if (rowsArrived && onPrimaryRows) reportPrimaryRows();
    }
    const parsed = parser.finish();
    const oversized = rowLimit === undefined ? undefined : parsed.tables.find((table) => table.rows.length > rowLimit);
    if (oversized) {
      throw tooManyRows(oversized.rows.length);
    }
    completed = true;
    return {
      endpoint: isCommand ? 'mgmt' : 'query',
      clientRequestId: context.clientRequestId,
      primaryResults: parsed.tables.filter((table) => table.kind === 'PrimaryResult'),
      allTables: parsed.tables,
      ...(parsed.statistics ? { statistics: parsed.statistics } : {}),
      ...(parsed.visualization ? { visualization: parsed.visualization } : {}),
      partialErrors: parsed.partialErrors,
      elapsedMs: performance.now() - startedAt,
    };
  } catch (error) {
    if (signal.aborted) {
      throw abortedError();
    }
    if (error instanceof KustoRequestError) {
      throw error;
    }
    if (error instanceof ResponseTooLargeError) {
      throw requestError(context, {
        kind: 'server',
        code: 'ResponseTooLarge',
        message:
          `The response from ${context.clusterUrl} is larger than ${formatByteCount(maxResponseBytes)} after decompression, the limit of ` +
          `setting kusto.query.maxResponseMegabytes. The rest was not read. Narrow the query (fewer rows or columns), or raise the setting.`,
        httpStatus: 200,
      });
    }
    if (error instanceof KustoResponseFormatError) {
      throw requestError(context, {
        kind: 'malformedResponse',
        code: 'MalformedResponse',
        message: `The response from ${context.clusterUrl} is not valid Kusto JSON at byte ${error.byteOffset} (${error.reason}).`,
        httpStatus: 200,
      });
    }
    if (error instanceof KustoBodyError) {
      throw requestError(context, {
        kind: error.isQueryError ? 'query' : 'server',
        code: error.info.code,
        message: error.info.message,
        position: error.info.position,
        httpStatus: 200,
      });
    }
    if (isDecompressionError(error)) {
      throw requestError(context, {
        kind: 'malformedResponse',
        code: 'MalformedResponse',
        message: `The response from ${context.clusterUrl} could not be decompressed (${errorCode(error)}) after ${formatByteCount(parser.bytesReceived)}.`,
        httpStatus: 200,
      });
    }
    const code = errorCode(error);
    if (code === 'UND_ERR_BODY_TIMEOUT') {
      throw requestError(context, {
        kind: 'timeout',
        code: 'ClientTimeout',
        message: `The cluster ${context.clusterUrl} stopped sending the response (received ${formatByteCount(parser.bytesReceived)}).`,
        httpStatus: 200,
      });
    }
    throw requestError(context, {
      kind: 'network',
      code: 'ConnectionClosed',
      message: `The connection to ${context.clusterUrl} was closed before the response was complete (received ${formatByteCount(parser.bytesReceived)}).`,
      httpStatus: 200,
      cause: error,
    });
  } finally {
    if (!completed) {
      response.body.destroy();
      if (source !== response.body) {
        (source as unknown as Readable).destroy();
      }
    }
  }
}
