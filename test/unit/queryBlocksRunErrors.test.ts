import * as assert from 'node:assert';
import { SignInRequiredError } from '../../src/core/auth/accessTokenSource';
import { KustoRequestError } from '../../src/core/kusto/kustoErrors';
import { queryToRun } from '../../src/core/kql/queryBlocks';
import { classifyRunError } from '../../src/core/kql/runErrors';

const clusterUrl = 'http://127.0.0.1:8080';
const document = '// first\nprint 1\n\nStormEvents\n| where Statee == "TEXAS"';
const block = queryToRun(document, { start: { line: 4, character: 3 }, end: { line: 4, character: 3 } })!;

function kustoError(kind: ConstructorParameters<typeof KustoRequestError>[0]['kind'], extra: Partial<ConstructorParameters<typeof KustoRequestError>[0]> = {}) {
  return new KustoRequestError({
    kind,
    message: extra.message ?? `${kind} failure`,
    code: extra.code ?? 'General_BadRequest',
    clientRequestId: 'KVSC.execute;1234',
    clusterUrl,
    ...extra,
  });
}

describe('query run errors', () => {
  it('maps a semantic error position to the document line the user sees', () => {
    const outcome = classifyRunError(
      kustoError('query', { code: 'SEM0100', message: "Failed to resolve 'Statee'", httpStatus: 400, position: { line: 2, column: 9 } }),
      { clusterUrl, block, aborted: false },
    );
    assert.strictEqual(outcome.kind, 'failed');
    assert.deepStrictEqual(outcome.display, {
      code: 'SEM0100',
      message: "Failed to resolve 'Statee'",
      position: { line: 2, column: 9 },
      clientRequestId: 'KVSC.execute;1234',
      httpStatus: 400,
    });
    assert.deepStrictEqual(outcome.kind === 'failed' && outcome.documentPosition, { line: 4, character: 8 });
    assert.strictEqual(document.split('\n')[4].slice(8, 14), 'Statee');
  });

  it('asks for sign-in on SignInRequiredError, also when wrapped, and on auth errors', () => {
    const direct = classifyRunError(new SignInRequiredError(clusterUrl, 'no account'), { clusterUrl, block, aborted: false });
    assert.strictEqual(direct.kind, 'signInRequired');
    assert.match(direct.display.message, /Sign in to http:\/\/127\.0\.0\.1:8080/);
    const wrapped = classifyRunError(kustoError('network', { cause: new SignInRequiredError(clusterUrl, 'expired') }), {
      clusterUrl,
      block,
      aborted: false,
    });
    assert.strictEqual(wrapped.kind, 'signInRequired');
    const unauthorized = classifyRunError(kustoError('auth', { httpStatus: 401, code: 'Unauthorized' }), { clusterUrl, block, aborted: false });
    assert.deepStrictEqual(
      unauthorized.kind === 'signInRequired' && [unauthorized.clusterUrl, unauthorized.display.httpStatus],
      [clusterUrl, 401],
    );
  });

  it('reports a cancelled run as cancelled, whatever the client threw after the abort', () => {
    for (const error of [kustoError('cancelled'), Object.assign(new Error('aborted'), { name: 'AbortError' })]) {
      assert.strictEqual(classifyRunError(error, { clusterUrl, block, aborted: false }).kind, 'cancelled');
    }
    assert.strictEqual(classifyRunError(kustoError('network'), { clusterUrl, block, aborted: true }).kind, 'cancelled');
  });

  it('passes other failures through with their message and request id, without a position', () => {
    const throttled = classifyRunError(kustoError('throttled', { httpStatus: 429, message: 'Too many requests' }), {
      clusterUrl,
      block,
      aborted: false,
    });
    assert.strictEqual(throttled.kind, 'failed');
    assert.strictEqual(throttled.display.message, 'Too many requests');
    assert.strictEqual(throttled.display.clientRequestId, 'KVSC.execute;1234');
    assert.strictEqual(throttled.kind === 'failed' && throttled.documentPosition, undefined);
    const plain = classifyRunError(new TypeError('fetch failed'), { clusterUrl, block, aborted: false });
    assert.deepStrictEqual(plain.display, { message: 'fetch failed' });
  });
});
