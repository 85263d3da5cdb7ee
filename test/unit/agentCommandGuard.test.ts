import * as assert from 'node:assert/strict';
import { checkAgentQuery } from '../../src/core/agents/commandGuard';

function allowed(text: string): 'query' | 'showCommand' {
  const verdict = checkAgentQuery(text);
  assert.ok(verdict.allowed, `expected to be allowed: ${JSON.stringify(text)} (${verdict.allowed ? '' : verdict.reason})`);
  return verdict.kind;
}

function refused(text: string): string {
  const verdict = checkAgentQuery(text);
  assert.ok(!verdict.allowed, `expected to be refused: ${JSON.stringify(text)}`);
  return verdict.reason;
}

describe('Agent command guard: what an agent may run', () => {
  it('lets queries through, including several statements and dots inside expressions, strings and comments', () => {
    assert.equal(allowed('StormEvents | take 10'), 'query');
    assert.equal(allowed('let n = 10;\nStormEvents\n| take n'), 'query');
    assert.equal(allowed('print x = .5, y = 1.5'), 'query');
    assert.equal(allowed('StormEvents | where State == ".drop table x"'), 'query');
    assert.equal(allowed("StormEvents | where State == '; .drop table x'"), 'query');
    assert.equal(allowed('StormEvents | where Path == @"C:\\.set"'), 'query');
    assert.equal(allowed('print s = ```\n.drop table T\n```'), 'query');
    assert.equal(allowed('// .drop table T\nStormEvents | count'), 'query');
    assert.equal(allowed('StormEvents // ; .drop table T\n| count'), 'query');
    assert.equal(allowed('let f = (x: long) { let y = x * 2; y };\nprint f(2)'), 'query');
    assert.equal(allowed('StormEvents | extend d = dyn.field | take 1'), 'query');
  });

  it('lets read-only .show commands through, also piped into query operators, after comments and whitespace', () => {
    assert.equal(allowed('.show tables'), 'showCommand');
    assert.equal(allowed('.show databases | where DatabaseName startswith "S"'), 'showCommand');
    assert.equal(allowed('   \n\t// which tables?\n.show tables\n| project TableName'), 'showCommand');
    assert.equal(allowed('.SHOW version'), 'showCommand');
    assert.equal(allowed('\ufeff.show database Samples schema as json'), 'showCommand');
  });

  it('refuses management commands other than .show, naming the command', () => {
    for (const command of ['.drop table StormEvents', '.set-or-append T <| print 1', '.alter table T docstring "x"', '.create table T (a:int)', '.execute database script <| .drop table T', '.append T <| print 1', '.ingest into table T ("x")', '.delete table T records <| T']) {
      const reason = refused(command);
      assert.match(reason, /Only queries and read-only "\.show"/, command);
    }
    assert.match(refused('.drop table StormEvents'), /got "\.drop table StormEvents"/);
    // Not fooled by a name that starts with "show".
    refused('.showx tables');
    refused('.show-me tables');
  });

  it('refuses commands hidden behind leading whitespace or comments', () => {
    refused('   .drop table T');
    refused('\n\n// harmless?\n  .drop table T');
    refused('\u00a0.drop table T');
  });

  it('refuses a .show followed by another statement, on the same line or the next', () => {
    assert.match(refused('.show tables; .drop table T'), /one "\.show" command at a time/);
    assert.match(refused('.show tables;\n.drop table T'), /one "\.show" command at a time/);
    assert.match(refused('.show tables\n.drop table T'), /found "\.drop table T"/);
    assert.match(refused('.show tables\r\n  .drop table T'), /found "\.drop table T"/);
  });

  it('refuses a .show piped into a management command or feeding one with <|', () => {
    assert.match(refused('.show tables | .drop table T'), /found "\.drop table T"/);
    assert.match(refused('.show tables | where TableName == "x"\n| .drop table x'), /found "\.drop table x"/);
    refused('.show tables <| print 1');
  });

  it('refuses commands after a query, whatever separates them', () => {
    assert.match(refused('StormEvents | take 1; .drop table StormEvents'), /found "\.drop table StormEvents"/);
    assert.match(refused('StormEvents | take 1\n.drop table StormEvents'), /found "\.drop table/);
    refused('StormEvents | take 1 | .drop table StormEvents');
    refused('let x = 1; .set-or-replace T <| print x');
    // A .show after a query is a second request too: one thing at a time.
    refused('StormEvents | count; .show tables');
  });

  it('refuses empty text and text with an unterminated string (which could hide what follows)', () => {
    assert.match(refused(''), /empty/);
    assert.match(refused('  \n // only a comment'), /empty/);
    assert.match(refused('StormEvents | where State == "TEXAS'), /unterminated string/);
    assert.match(refused('print ```\n.drop table T'), /unterminated multi-line string/);
  });
});
