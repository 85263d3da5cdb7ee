// Small rules behind issue 20's client fixes: which commands may be re-sent, how a gateway's HTML page reads, when a
// dynamic value keeps its JSON text, and how `.cancel query` names the query.
import * as assert from 'node:assert/strict';
import { isReadOnlyCommand } from '../../src/core/kql/commandKind';
import { isTooDeepJsonText, needsExactText, TOO_DEEP_TEXT } from '../../src/core/kusto/exactDynamic';
import { contentEncoding, htmlTextExtract, isHtmlBody } from '../../src/core/kusto/responseBody';
import { cancelQueryCommand } from '../../src/core/kusto/serverCancel';
import { formatKustoValue } from '../../src/core/kusto/valueDecoding';

describe('real-client rules', () => {
  it('treats only .show commands as safe to send again', () => {
    assert.equal(isReadOnlyCommand('.show tables'), true);
    assert.equal(isReadOnlyCommand('  // list them\n.SHOW database X schema as json'), true);
    assert.equal(isReadOnlyCommand('.set-or-append T <| print 1'), false);
    assert.equal(isReadOnlyCommand('.drop table T'), false);
    assert.equal(isReadOnlyCommand('.showx'), false);
  });

  it('reads a gateway HTML page as its title and words, without tags, scripts, styles or entities', () => {
    const page = '<html><head><title>503 Service Unavailable</title><style>p{color:red}</style></head><body><h1>Service &amp; gateway down</h1><script>x()</script><p>Try&nbsp;later.</p></body></html>';
    assert.equal(isHtmlBody(page, undefined), true);
    assert.equal(isHtmlBody('{"error":{}}', 'application/json'), false);
    assert.equal(htmlTextExtract(page), '503 Service Unavailable — Service & gateway down Try later.');
    assert.ok(htmlTextExtract(`<p>${'word '.repeat(200)}</p>`).length <= 200);
  });

  it('normalises Content-Encoding', () => {
    assert.equal(contentEncoding(' GZIP '), 'gzip');
    assert.equal(contentEncoding('identity'), '');
    assert.equal(contentEncoding(undefined), '');
  });

  it('keeps the JSON text of dynamic values only when parsing would change them', () => {
    const exact = (text: string): boolean => needsExactText(Buffer.from(text), 0, Buffer.byteLength(text));
    assert.equal(exact('{"a":1,"b":[2,3.5,-4],"c":"9007199254740993 in a string"}'), false);
    assert.equal(exact('{"a":9007199254740993}'), true);
    assert.equal(exact('[-0]'), true);
    assert.equal(exact('{"d":0.1000000000000000055511151231257827}'), true);
    assert.equal(exact('{"d":1.50}'), true);
    assert.equal(exact(`${'['.repeat(1001)}${']'.repeat(1001)}`), true);
    assert.equal(exact(`${'['.repeat(1000)}${']'.repeat(1000)}`), false);
  });

  it('shows a too-deep dynamic value as one short text instead of failing', () => {
    const deep = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
    assert.equal(isTooDeepJsonText(deep), true);
    assert.equal(formatKustoValue('dynamic', deep), TOO_DEEP_TEXT);
    assert.equal(formatKustoValue('dynamic', JSON.parse(deep) as object), TOO_DEEP_TEXT);
    assert.equal(formatKustoValue('dynamic', '{"a":1}'), '{"a":1}');
  });

  it('names the query to cancel as a quoted Kusto string', () => {
    assert.equal(
      cancelQueryCommand('KE.RunQuery;8f70e9ab-958f-4955-99df-d2a288b32b2c'),
      '.cancel query "KE.RunQuery;8f70e9ab-958f-4955-99df-d2a288b32b2c" with (reason = "Cancelled by the user in Kusto Explorer for VS Code")',
    );
    assert.match(cancelQueryCommand('a"b\\c'), /^\.cancel query "a\\"b\\\\c"/);
  });
});
