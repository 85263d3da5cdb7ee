// Kusto's OneApi error bodies ({"error":{code, message, @type, @message, @context, @permanent, ...}}).

import { randomUUID } from 'node:crypto';

export interface RequestContext {
  readonly clientRequestId: string;
  readonly activityId: string;
}

export interface QueryPosition {
  /** 1-based line. */
  readonly line: number;
  /** 1-based character position in the line. */
  readonly column: number;
  readonly token?: string;
}

/** An error the server reports to the client (never a crash). */
export class KustoServiceError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    readonly summary: string,
    readonly type: string,
    readonly detailedMessage: string,
    readonly permanent: boolean,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(detailedMessage);
    this.name = 'KustoServiceError';
  }
}

const BAD_REQUEST_SUMMARY = 'Request is invalid and cannot be executed.';

export function semanticError(errorCode: string, message: string, position?: QueryPosition): KustoServiceError {
  const where = position ? ` [line:position=${linePosition(position)}]` : '';
  return new KustoServiceError(
    400,
    'General_BadRequest',
    BAD_REQUEST_SUMMARY,
    'Kusto.Data.Exceptions.SemanticException',
    `Semantic error: ${errorCode}: ${message}${where}`,
    true,
    positionProperties(errorCode, message, position),
  );
}

export function syntaxError(message: string, position?: QueryPosition): KustoServiceError {
  const where = position ? ` [line:position=${linePosition(position)}]` : '';
  return new KustoServiceError(
    400,
    'General_BadRequest',
    BAD_REQUEST_SUMMARY,
    'Kusto.Data.Exceptions.SyntaxException',
    `Syntax error: SYN0002: ${message}${where}`,
    true,
    positionProperties('SYN0002', message, position),
  );
}

// Kusto reports the line 1-based and the position within the line 0-based: 'PerfTest take 5' fails with
// [line:position=1:9] where `take` starts at the tenth character.
function linePosition(position: QueryPosition): string {
  return `${position.line}:${position.column - 1}`;
}

function positionProperties(errorCode: string, message: string, position?: QueryPosition): Record<string, unknown> {
  const properties: Record<string, unknown> = { '@errorCode': errorCode, '@errorMessage': message };
  if (position) {
    properties['@line'] = position.line;
    properties['@pos'] = position.column - 1;
    if (position.token !== undefined) {
      properties['@token'] = position.token;
    }
  }
  return properties;
}

export function badRequest(message: string): KustoServiceError {
  return new KustoServiceError(
    400,
    'General_BadRequest',
    BAD_REQUEST_SUMMARY,
    'Kusto.Data.Exceptions.KustoBadRequestException',
    `Request is invalid and cannot be processed: ${message}`,
    true,
  );
}

export function databaseNotFound(database: string): KustoServiceError {
  return new KustoServiceError(
    400,
    'BadRequest_EntityNotFound',
    BAD_REQUEST_SUMMARY,
    'Kusto.Data.Exceptions.EntityNotFoundException',
    `Entity ID '${database}' of kind 'Database' was not found.`,
    true,
    { '@entityName': database, '@entityType': 'Database' },
  );
}

export function unauthorized(reason: string): KustoServiceError {
  return new KustoServiceError(
    401,
    'Unauthorized',
    'Request is unauthorized.',
    'Kusto.Common.Svc.Exceptions.UnauthorizedOperationException',
    `Unauthorized: ${reason}`,
    true,
  );
}

export function forbidden(principalDescription: string, database: string): KustoServiceError {
  return new KustoServiceError(
    403,
    'Forbidden',
    'Caller is not authorized to perform this operation.',
    'Kusto.DataNode.Exceptions.UnauthorizedDatabaseAccessException',
    `Principal '${principalDescription}' is not authorized to read database '${database}'.`,
    true,
  );
}

export function throttled(): KustoServiceError {
  return new KustoServiceError(
    429,
    'TooManyRequests',
    'Request is denied due to throttling.',
    'Kusto.DataNode.Exceptions.KustoRequestThrottledException',
    'The request was denied due to throttling: too many concurrent requests. Retry later.',
    false,
  );
}

export function serviceFailure(status: 500 | 503): KustoServiceError {
  return status === 503
    ? new KustoServiceError(
        503,
        'ServiceUnavailable',
        'The service is temporarily unavailable.',
        'Kusto.Common.Svc.Exceptions.ServiceUnavailableException',
        'Service is unavailable: the cluster is being upgraded or scaled. Retry later.',
        false,
      )
    : new KustoServiceError(
        500,
        'Internal service error',
        'An internal error occurred.',
        'Kusto.Data.Exceptions.KustoServiceException',
        'Internal service error: an unexpected failure occurred while processing the request.',
        false,
      );
}

export function resultSetTooLarge(limit: number, unit: 'records' | 'bytes'): KustoServiceError {
  const what =
    unit === 'records'
      ? `The results of this query exceed the set limit of ${limit} records, so not all records were returned`
      : `The results of this query exceed the set limit of ${limit} bytes, so not all records were returned`;
  return new KustoServiceError(
    200,
    'LimitsExceeded',
    BAD_REQUEST_SUMMARY,
    'Kusto.Data.Exceptions.KustoServicePartialQueryFailureLimitsExceededException',
    `Query execution has exceeded the allowed limits (80DA0003): ${what} (E_QUERY_RESULT_SET_TOO_LARGE, 0x80DA0003). ` +
      'See https://aka.ms/kustoquerylimits for more information and possible solutions..',
    false,
  );
}

export function newRequestContext(clientRequestId: string | undefined): RequestContext {
  return { clientRequestId: clientRequestId || `unspecified;${randomUUID()}`, activityId: randomUUID() };
}

/** The OneApi error object (the value of "error"), shaped like a real cluster's. */
export function oneApiError(error: KustoServiceError, context: RequestContext): Record<string, unknown> {
  return {
    code: error.code,
    message: error.summary,
    '@type': error.type,
    '@message': error.detailedMessage,
    '@context': {
      timestamp: new Date().toISOString().replace('Z', '0000Z'),
      serviceAlias: 'LOCALKUSTO',
      machineName: 'KEngine000000',
      processName: 'Kusto.WinSvc.Svc',
      processId: process.pid,
      threadId: 1,
      clientRequestId: context.clientRequestId,
      activityId: context.activityId,
      subActivityId: context.activityId,
      activityType: 'GW.Http.CallContext',
      parentActivityId: context.activityId,
      activityStack: `(Activity stack: CRID=${context.clientRequestId} ARID=${context.activityId} > GW.Http.CallContext/${context.activityId})`,
    },
    '@permanent': error.permanent,
    ...error.extra,
  };
}

export function oneApiErrorBody(error: KustoServiceError, context: RequestContext): string {
  return JSON.stringify({ error: oneApiError(error, context) });
}
