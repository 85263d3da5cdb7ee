import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KustoRequestError } from '../../src/core/kusto/kustoErrors';
import { isQueryError, readOneApiError, readOneApiErrorList } from '../../src/core/kusto/oneApiErrors';

const fixturesDirectory = path.resolve(__dirname, '../../../test/fixtures/kusto');

describe('Kusto OneApi errors', () => {
  it('reads the specific code, the inner message and the position of a semantic error', () => {
    const document: unknown = JSON.parse(fs.readFileSync(path.join(fixturesDirectory, 'error-semantic-400.json'), 'utf8'));
    const info = readOneApiError(document);
    assert.ok(info);
    assert.equal(info.code, 'SEM0100');
    assert.equal(info.message, "Semantic error: SEM0100: 'where' operator: Failed to resolve scalar expression named 'Foo' [line:position=2:8]");
    // Kusto's position within the line is 0-based: `Foo` is the ninth character of `| where Foo == 1`.
    assert.deepEqual(info.position, { line: 2, column: 9 });
    assert.equal(isQueryError(document, info), true);
  });

  it('reports no position for 0:0, which Kusto writes when the error has no place in the text', () => {
    const info = readOneApiError({
      error: {
        code: 'General_BadRequest',
        message: 'Request is invalid and cannot be executed.',
        '@message': "Syntax error: SYN0100: Admin commands must have a dot (.) character as their first non-whitespace character [line:position=0:0]",
      },
    });
    assert.equal(info?.position, undefined);
    assert.equal(info?.code, 'General_BadRequest');
  });

  it('reads lists of errors and plain strings, and ignores what is not an error', () => {
    assert.deepEqual(
      readOneApiErrorList([{ error: { code: 'LimitsExceeded', message: 'too much' } }, 'plain text error', 42]).map((error) => error.code),
      ['LimitsExceeded', 'Unknown'],
    );
    assert.equal(readOneApiError({ Tables: [] }), undefined);
    assert.equal(readOneApiError('x'), undefined);
  });

  it('a service failure is not a query error', () => {
    const document = { error: { code: 'Internal', message: 'boom', '@type': 'Kusto.Common.Svc.Exceptions.ServiceException' } };
    assert.equal(isQueryError(document, readOneApiError(document)!), false);
  });

  it('carries the request id and status into the error info for the UI', () => {
    const error = new KustoRequestError({
      kind: 'query',
      code: 'SEM0100',
      message: 'Failed to resolve',
      clientRequestId: 'KE.RunQuery;1',
      clusterUrl: 'https://help.kusto.windows.net',
      httpStatus: 400,
      position: { line: 1, column: 3 },
    });
    assert.deepEqual(error.toErrorInfo(), {
      code: 'SEM0100',
      message: 'Failed to resolve',
      position: { line: 1, column: 3 },
      clientRequestId: 'KE.RunQuery;1',
      httpStatus: 400,
    });
    assert.equal(error.name, 'KustoRequestError');
  });
});
