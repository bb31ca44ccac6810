import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvField, parseCsv, toCsv } from '../../src/audit/export/csv.js';
import { canonicalJson, prettyCanonicalJson } from '../../src/domain/canonical-json.js';

describe('bundle CSV and JSON writers', () => {
  it('quotes only when needed and round-trips', () => {
    const rows = [
      ['a', 'b,c', 'he said "hi"'],
      ['line\nbreak', '', 'x'],
    ];
    const text = toCsv(['h1', 'h2', 'h3'], rows);
    assert.equal(text, 'h1,h2,h3\r\na,"b,c","he said ""hi"""\r\n"line\nbreak",,x\r\n');
    assert.deepEqual(parseCsv(text), [['h1', 'h2', 'h3'], ...rows]);
  });
  it('writes fixed number and boolean formats and neutralises spreadsheet formulas', () => {
    assert.equal(csvField(42), '42');
    assert.equal(csvField(-3), '-3');
    assert.equal(csvField(true), 'true');
    assert.equal(csvField(null), '');
    assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvField('@cmd'), "'@cmd");
    assert.throws(() => csvField(Number.NaN));
  });
  it('rejects rows whose width differs from the header', () => {
    assert.throws(() => toCsv(['a', 'b'], [['1']]), /row has 1 fields/);
  });
  it('canonical JSON sorts keys regardless of insertion order', () => {
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] }), '{"a":[2,{"c":2,"d":1}],"b":1}');
    assert.equal(prettyCanonicalJson({ b: 1, a: 1 }), prettyCanonicalJson({ a: 1, b: 1 }));
  });
});
