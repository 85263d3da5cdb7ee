import * as assert from 'node:assert/strict';
import {
  ParameterDeclarationError,
  decodeStringLiteral,
  defaultInputText,
  parameterRequestValue,
  parseQueryParameters,
  type DeclaredParameter,
} from '../../src/core/kql/queryParameters';

describe('query parameters: declaration parsing', () => {
  it('reads names, types and defaults of the documented example', () => {
    const text = 'declare query_parameters (n:long, d:dynamic); StormEvents | where State in (d) | top n by StartTime asc';
    assert.deepEqual(parseQueryParameters(text), [
      { name: 'n', type: 'long' },
      { name: 'd', type: 'dynamic' },
    ]);
  });

  it('reads defaults with strings, nested parentheses and commas, after comments and set statements', () => {
    const text = [
      '// storms by state',
      'set notruncation;',
      "declare query_parameters(state:string = \"NEW YORK, NY\", since:datetime = datetime(2007-01-01), ['max rows']:int = 10,",
      "   kinds:dynamic = dynamic(['Hail', \"Flood)\"]), flag:bool=true, span:timespan = 1h);",
      'StormEvents | where State == state',
    ].join('\n');
    assert.deepEqual(parseQueryParameters(text), [
      { name: 'state', type: 'string', defaultLiteral: '"NEW YORK, NY"' },
      { name: 'since', type: 'datetime', defaultLiteral: 'datetime(2007-01-01)' },
      { name: 'max rows', type: 'int', defaultLiteral: '10' },
      { name: 'kinds', type: 'dynamic', defaultLiteral: "dynamic(['Hail', \"Flood)\"])" },
      { name: 'flag', type: 'bool', defaultLiteral: 'true' },
      { name: 'span', type: 'timespan', defaultLiteral: '1h' },
    ]);
  });

  it('is undefined for queries without a declaration (or with another declare)', () => {
    assert.equal(parseQueryParameters('StormEvents | take 10'), undefined);
    assert.equal(parseQueryParameters('declare pattern P;\nT'), undefined);
    assert.equal(parseQueryParameters('print "declare query_parameters(x:int)"'), undefined);
  });

  it('names the bad part of a malformed declaration', () => {
    const cases: Array<[string, RegExp]> = [
      ['declare query_parameters(n long); T', /':' and a type after parameter 'n'/],
      ['declare query_parameters(n:integer); T', /Parameter 'n' has the unknown type 'integer'/],
      ['declare query_parameters(n:long = ); T', /Parameter 'n' has '=' but no default value/],
      ['declare query_parameters(n:long x:int); T', /Expected ',' or '\)' after parameter 'n' but found 'x'/],
      ['declare query_parameters(n:long, n:int); T', /'n' is declared twice/],
      ['declare query_parameters(s:string = "open', /not closed/],
      ['declare query_parameters n:long; T', /'\(' after declare query_parameters/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => parseQueryParameters(text), (error: unknown) => error instanceof ParameterDeclarationError && message.test(error.message), text);
    }
  });
});

describe('query parameters: values for the request', () => {
  const p = (type: DeclaredParameter['type'], defaultLiteral?: string): DeclaredParameter => ({ name: 'x', type, ...(defaultLiteral ? { defaultLiteral } : {}) });

  it('sends strings as themselves and longs as numbers; other types as KQL literals in a string (as Kusto documents)', () => {
    assert.deepEqual(parameterRequestValue(p('string'), ' it\'s "quoted" '), { value: ' it\'s "quoted" ' });
    assert.deepEqual(parameterRequestValue(p('long'), '10'), { value: 10 });
    assert.deepEqual(parameterRequestValue(p('long'), '9007199254740993'), { value: '9007199254740993' });
    assert.deepEqual(parameterRequestValue(p('int'), '7'), { value: 'int(7)' });
    assert.deepEqual(parameterRequestValue(p('real'), '2.5'), { value: 'real(2.5)' });
    assert.deepEqual(parameterRequestValue(p('bool'), 'True'), { value: 'bool(true)' });
    assert.deepEqual(parameterRequestValue(p('datetime'), '2007-01-01'), { value: 'datetime(2007-01-01)' });
    assert.deepEqual(parameterRequestValue(p('datetime'), 'datetime(2007-01-01T10:00:00Z)'), { value: 'datetime(2007-01-01T10:00:00Z)' });
    assert.deepEqual(parameterRequestValue(p('timespan'), '1h'), { value: 'time(1h)' });
    assert.deepEqual(parameterRequestValue(p('dynamic'), '["a", "b"]'), { value: 'dynamic(["a", "b"])' });
    assert.deepEqual(parameterRequestValue(p('guid'), '74BE27DE-1E4E-49D9-B579-FE0B331D3642'), { value: 'guid(74BE27DE-1E4E-49D9-B579-FE0B331D3642)' });
  });

  it('refuses values of the wrong form with a message naming the parameter and the form', () => {
    assert.deepEqual(parameterRequestValue(p('long'), '1.5'), { error: "'x' is a long: give a whole number, e.g. 10." });
    assert.match((parameterRequestValue(p('datetime'), 'yesterday') as { error: string }).error, /'x' is a datetime: give a date/);
    assert.match((parameterRequestValue(p('dynamic'), '[1,') as { error: string }).error, /give JSON/);
    assert.match((parameterRequestValue(p('int'), '1); drop') as { error: string }).error, /whole number/);
  });

  it('shows defaults as a person would type them', () => {
    assert.equal(defaultInputText(p('string', '"NEW YORK"')), 'NEW YORK');
    assert.equal(defaultInputText(p('string', "'it\\'s'")), "it's");
    assert.equal(defaultInputText(p('datetime', 'datetime(2007-01-01)')), '2007-01-01');
    assert.equal(defaultInputText(p('long', '10')), '10');
    assert.equal(defaultInputText(p('long')), undefined);
    assert.equal(decodeStringLiteral('@"C:\\path"'), 'C:\\path');
    assert.equal(decodeStringLiteral('h"secret"'), 'secret');
  });
});
