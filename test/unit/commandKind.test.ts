import * as assert from 'node:assert/strict';
import { isManagementCommand } from '../../src/core/kql/commandKind';

describe('isManagementCommand', () => {
  it('treats text starting with a dot as a management command', () => {
    assert.equal(isManagementCommand('.show databases'), true);
    assert.equal(isManagementCommand('   \n\t.show tables'), true);
  });

  it('skips // comment lines before the first significant character', () => {
    assert.equal(isManagementCommand('// list them\n.show databases'), true);
    assert.equal(isManagementCommand('// a\r\n   // b\r\n\t.create table T (a:int)'), true);
    assert.equal(isManagementCommand('// .show databases\nStormEvents | take 1'), false);
  });

  it('treats everything else as a query', () => {
    assert.equal(isManagementCommand('StormEvents | take 10'), false);
    assert.equal(isManagementCommand('print x = .5'), false);
    assert.equal(isManagementCommand('let x = 1;\n.show databases'), false);
    assert.equal(isManagementCommand('/.show'), false);
  });

  it('is false for empty text and text that is only comments', () => {
    assert.equal(isManagementCommand(''), false);
    assert.equal(isManagementCommand('   \n  '), false);
    assert.equal(isManagementCommand('// only a comment'), false);
    assert.equal(isManagementCommand('// only a comment\n// and another\n'), false);
  });

  it('ignores a byte order mark and non-breaking spaces', () => {
    assert.equal(isManagementCommand('\ufeff.show version'), true);
    assert.equal(isManagementCommand('\u00a0\u2003.show version'), true);
  });
});
