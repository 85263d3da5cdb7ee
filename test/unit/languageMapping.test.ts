// The pure mappings between Kusto.Language's answers and the editor: completion items and diagnostics filtering.
import * as assert from 'node:assert/strict';
import { escapeSnippetText, toCompletionEntries, toCompletionEntry } from '../../src/core/language/completionMapping';
import { combinedSchemaState, filterDiagnostics, UNKNOWN_NAME_CODES } from '../../src/core/language/diagnosticsFilter';

const item = (overrides: Partial<Parameters<typeof toCompletionEntry>[0]>) => ({
  Kind: 13,
  DisplayText: 'State',
  MatchText: 'State',
  EditText: 'State ',
  AfterText: '',
  Retrigger: true,
  ...overrides,
});

describe('language service: completion mapping', () => {
  it('puts the caret inside the parentheses of a function, as a snippet', () => {
    const entry = toCompletionEntry(item({ Kind: 18, DisplayText: 'count()', MatchText: 'count', EditText: 'count( ', AfterText: ')' }), 3);
    assert.equal(entry.insertText, 'count($0)');
    assert.equal(entry.isSnippet, true);
    assert.equal(entry.kind, 'aggregate');
    assert.equal(entry.filterText, 'count');
    assert.equal(entry.label, 'count()');
  });

  it('inserts plain text as the service gives it and keeps its "open the list again"', () => {
    const entry = toCompletionEntry(item({}), 0);
    assert.equal(entry.insertText, 'State ');
    assert.equal(entry.isSnippet, false);
    assert.equal(entry.retrigger, true);
    assert.equal(entry.kind, 'column');
    const operator = toCompletionEntry(item({ Kind: 9, DisplayText: 'where', MatchText: 'where', EditText: 'where ', Retrigger: true }), 1);
    assert.equal(operator.kind, 'operator');
    assert.equal(operator.retrigger, true);
  });

  it('escapes snippet syntax in names so that a `$` or `}` in a name is inserted as typed', () => {
    assert.equal(escapeSnippetText('a$b}c\\d'), 'a\\$b\\}c\\\\d');
    const entry = toCompletionEntry(item({ Kind: 17, DisplayText: "['f$1']()", EditText: "['f$1'](", AfterText: ')' }), 0);
    assert.equal(entry.insertText, "['f\\$1']($0)");
  });

  it('keeps the service ranking in sort keys that compare as strings', () => {
    const entries = toCompletionEntries(Array.from({ length: 120 }, (_, index) => item({ DisplayText: `c${index}` })));
    const sorted = [...entries].sort((a, b) => a.sortText.localeCompare(b.sortText));
    assert.deepEqual(sorted.map((e) => e.label), entries.map((e) => e.label));
  });

  it('maps every kind the service has to one the editor shows', () => {
    for (let kind = 0; kind <= 28; kind++) {
      assert.notEqual(toCompletionEntry(item({ Kind: kind }), 0).kind, undefined);
    }
    assert.equal(toCompletionEntry(item({ Kind: 99 }), 0).kind, 'other');
  });
});

describe('language service: diagnostics filtering', () => {
  const unknownTable = { Code: 'KS204', Severity: 'Error', Message: "The name 'Storms' does not refer to any known table.", Start: 0, Length: 6, HasLocation: true };
  const unknownColumn = { Code: 'KS142', Severity: 'Error', Message: "The name 'Stat' does not refer to any known column.", Start: 20, Length: 4, HasLocation: true };
  const syntax = { Code: 'KS006', Severity: 'Error', Message: 'Missing expression', Start: 30, Length: 0, HasLocation: true };
  const warning = { Code: 'KS503', Severity: 'Warning', Message: 'Avoid using the contains operator', Start: 10, Length: 8, HasLocation: true };

  it('holds back unknown-name errors while the schema is loading, failed or unknown, and keeps the rest', () => {
    for (const schemaState of ['loading', 'failed', 'unknown'] as const) {
      const result = filterDiagnostics([unknownTable, unknownColumn, syntax, warning], { schemaState, blockStart: 100, blockLength: 40 });
      assert.deepEqual(result.diagnostics.map((d) => d.code), ['KS006', 'KS503'], schemaState);
      assert.equal(result.heldBack, 2);
    }
  });

  it('shows unknown-name errors once the schema is loaded, at document offsets with their codes and severities', () => {
    const result = filterDiagnostics([unknownTable, unknownColumn, warning], { schemaState: 'loaded', blockStart: 100, blockLength: 40 });
    assert.deepEqual(
      result.diagnostics.map((d) => [d.code, d.start, d.end, d.severity]),
      [
        ['KS204', 100, 106, 'error'],
        ['KS142', 120, 124, 'error'],
        ['KS503', 110, 118, 'warning'],
      ],
    );
    assert.equal(result.heldBack, 0);
  });

  it('clamps ranges into the block and drops exact duplicates', () => {
    const outside = { ...syntax, Start: 500, Length: 10 };
    const result = filterDiagnostics([outside, outside, { ...warning, HasLocation: false }], { schemaState: 'loaded', blockStart: 10, blockLength: 20 });
    assert.deepEqual(result.diagnostics.map((d) => [d.start, d.end]), [[30, 30], [10, 10]]);
  });

  it('covers every "not a known name" code of the service', () => {
    for (const code of ['KS142', 'KS143', 'KS204', 'KS208', 'KS209', 'KS210', 'KS211']) {
      assert.ok(UNKNOWN_NAME_CODES.has(code), code);
    }
    assert.ok(!UNKNOWN_NAME_CODES.has('KS006'));
  });

  it('treats a block as loaded only when its database and every database it names are', () => {
    assert.equal(combinedSchemaState(['loaded', 'loaded']), 'loaded');
    assert.equal(combinedSchemaState(['loaded', 'loading']), 'loading');
    assert.equal(combinedSchemaState(['failed', 'loaded']), 'failed');
    assert.equal(combinedSchemaState(['loaded', 'unknown', 'loading']), 'unknown');
  });
});
