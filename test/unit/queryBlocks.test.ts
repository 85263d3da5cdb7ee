import * as assert from 'node:assert';
import { blockAt, errorPositionInDocument, listBlocks, offsetAt, positionAt, queryToRun } from '../../src/core/kql/queryBlocks';

const at = (line: number, character = 0) => ({ line, character });
const cursor = (line: number, character = 0) => ({ start: at(line, character), end: at(line, character) });

describe('query blocks', () => {
  const document = [
    '// Storms in Texas', // 0
    'StormEvents', // 1
    '| where State == "TEXAS"', // 2
    '| take 10', // 3
    '', // 4
    '   ', // 5
    'print now()', // 6
    '', // 7
    '.show tables', // 8
  ].join('\n');

  it('splits the document at blank and whitespace-only lines', () => {
    const blocks = listBlocks(document);
    assert.deepStrictEqual(
      blocks.map((block) => block.text),
      ['// Storms in Texas\nStormEvents\n| where State == "TEXAS"\n| take 10', 'print now()', '.show tables'],
    );
    assert.deepStrictEqual(blocks[0].range, { start: at(0), end: at(3, 9) });
    assert.deepStrictEqual(blocks[2].range, { start: at(8), end: at(8, 12) });
  });

  it('runs the block under the cursor on its first, middle and last line', () => {
    for (const line of [0, 2, 3]) {
      assert.strictEqual(queryToRun(document, cursor(line, 3))?.range.start.line, 0, `line ${line}`);
    }
    assert.strictEqual(queryToRun(document, cursor(6))?.text, 'print now()');
    assert.strictEqual(queryToRun(document, cursor(8, 12))?.text, '.show tables');
  });

  it('runs the block above when the cursor is on a blank line between blocks', () => {
    assert.strictEqual(blockAt(document, at(4))?.range.end.line, 3);
    assert.strictEqual(blockAt(document, at(5, 2))?.range.end.line, 3);
    assert.strictEqual(blockAt(document, at(7))?.text, 'print now()');
  });

  it('runs nothing when the cursor is on blank lines above the first block or the document is empty', () => {
    assert.strictEqual(blockAt('\n\n  \nT | take 1', at(1)), undefined);
    assert.strictEqual(queryToRun('', cursor(0)), undefined);
    assert.strictEqual(queryToRun('  \n\t\n', cursor(1)), undefined);
    assert.deepStrictEqual(listBlocks('\n \n'), []);
  });

  it('keeps CRLF documents line-accurate and sends their text unchanged', () => {
    const crlf = 'T\r\n| take 1\r\n\r\nprint 1\r\n';
    const blocks = listBlocks(crlf);
    assert.deepStrictEqual(blocks.map((block) => block.text), ['T\r\n| take 1', 'print 1']);
    assert.deepStrictEqual(blocks[1].range, { start: at(3), end: at(3, 7) });
    assert.strictEqual(blockAt(crlf, at(2))?.text, 'T\r\n| take 1');
  });

  it('treats trailing spaces as part of the line and whitespace-only lines as separators', () => {
    const text = 'T | take 1   \n \t \nprint 2';
    const blocks = listBlocks(text);
    assert.strictEqual(blocks.length, 2);
    assert.deepStrictEqual(blocks[0].range.end, at(0, 13));
  });

  it('marks comment-only blocks so they are not sent to the cluster', () => {
    const blocks = listBlocks('// just a note\n  // another\n\nT | count');
    assert.deepStrictEqual(
      blocks.map((block) => block.commentsOnly),
      [true, false],
    );
  });

  it('does not split a ``` multi-line string at its blank lines', () => {
    const text = 'print s = ```first\n\nthird```\n| extend n = 1\n\nprint 2';
    assert.deepStrictEqual(
      listBlocks(text).map((block) => block.text),
      ['print s = ```first\n\nthird```\n| extend n = 1', 'print 2'],
    );
    // Backticks inside a comment or a string do not open a multi-line string.
    const notOpened = 'print "```" // ```\n\nprint 2';
    assert.strictEqual(listBlocks(notOpened).length, 2);
  });

  it('runs a selection exactly as selected, even across blocks and in reverse', () => {
    const selection = { start: at(3, 2), end: at(6, 5) };
    const block = queryToRun(document, selection);
    assert.strictEqual(block?.text, 'take 10\n\n   \nprint');
    assert.deepStrictEqual(block?.range, selection);
    const reversed = queryToRun(document, { start: at(6, 5), end: at(3, 2) });
    assert.strictEqual(reversed?.text, block?.text);
  });

  it('falls back to the block under the cursor when the selection is only whitespace', () => {
    const block = queryToRun(document, { start: at(4), end: at(5, 3), active: at(6, 1) });
    assert.strictEqual(block?.text, 'print now()');
  });

  it('converts between offsets and positions with CRLF line breaks', () => {
    const text = 'ab\r\ncd\nef';
    assert.deepStrictEqual(positionAt(text, 4), at(1, 0));
    assert.deepStrictEqual(positionAt(text, 3), at(0, 2));
    assert.deepStrictEqual(positionAt(text, 99), at(2, 2));
    assert.strictEqual(offsetAt(text, at(2, 1)), 8);
    assert.strictEqual(offsetAt(text, at(0, 50)), 2);
  });

  describe('error positions', () => {
    it('maps Kusto 1-based line/column inside the block to the document', () => {
      const block = blockAt(document, at(2))!;
      // Kusto: line 3, column 9 → "State" on document line 2.
      assert.deepStrictEqual(errorPositionInDocument(block, { line: 3, column: 9 }), at(2, 8));
      const last = blockAt(document, at(8))!;
      assert.deepStrictEqual(errorPositionInDocument(last, { line: 1, column: 2 }), at(8, 1));
    });

    it('offsets the first line by the selection start column', () => {
      const block = queryToRun(document, { start: at(2, 2), end: at(3, 9) })!;
      assert.deepStrictEqual(errorPositionInDocument(block, { line: 1, column: 1 }), at(2, 2));
      assert.deepStrictEqual(errorPositionInDocument(block, { line: 2, column: 3 }), at(3, 2));
    });

    it('clamps positions outside the query to the query', () => {
      const block = blockAt(document, at(6))!;
      assert.deepStrictEqual(errorPositionInDocument(block, { line: 7, column: 200 }), at(6, 11));
      assert.deepStrictEqual(errorPositionInDocument(block, { line: 0, column: Number.NaN }), at(6, 0));
    });
  });
});
