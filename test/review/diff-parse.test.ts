import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiffParseError, parseUnifiedDiff, unquoteGitPath } from '../../src/domain/diff-parse.js';

describe('parseUnifiedDiff', () => {
  it('parses a plain diff -u patch with timestamps and a missing final newline', () => {
    const patch = [
      '--- a/app.py\t2026-01-01 00:00:00.000000000 +0000',
      '+++ b/app.py\t2026-01-02 00:00:00.000000000 +0000',
      '@@ -1,2 +1,2 @@',
      ' x = 1',
      '-y = 2',
      '\\ No newline at end of file',
      '+y = 3',
      '\\ No newline at end of file',
      '--- a/other.py',
      '+++ b/other.py',
      '@@ -10 +10,2 @@ def f():',
      '-    return 1',
      '+    # -- not a header',
      '+    return 2',
      '',
    ].join('\n');
    const files = parseUnifiedDiff(patch);
    assert.equal(files.length, 2);
    assert.equal(files[0]!.path, 'app.py');
    assert.equal(files[0]!.status, 'modified');
    assert.deepEqual(
      files[0]!.hunks[0]!.lines.map((l) => [l.kind, l.oldLine ?? null, l.newLine ?? null, l.text]),
      [
        ['context', 1, 1, 'x = 1'],
        ['del', 2, null, 'y = 2'],
        ['add', null, 2, 'y = 3'],
      ],
    );
    assert.equal(files[1]!.path, 'other.py');
    assert.equal(files[1]!.hunks[0]!.section, 'def f():');
    assert.equal(files[1]!.hunks[0]!.oldLines, 1);
    assert.equal(files[1]!.additions, 2);
  });

  it('reads C-quoted git paths', () => {
    assert.equal(unquoteGitPath('"a/caf\\303\\251 \\"x\\".txt"'), 'a/café "x".txt');
    const patch = ['diff --git "a/caf\\303\\251.txt" "b/caf\\303\\251.txt"', 'new file mode 100644', 'index 0000000..e69de29', ''].join('\n');
    const [f] = parseUnifiedDiff(patch);
    assert.equal(f!.path, 'café.txt');
    assert.equal(f!.status, 'added');
  });

  it('tolerates CRLF line endings', () => {
    const patch = '--- a/w.txt\r\n+++ b/w.txt\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n';
    const [f] = parseUnifiedDiff(patch);
    assert.deepEqual(
      f!.hunks[0]!.lines.map((l) => l.text),
      ['a', 'b'],
    );
  });

  it('reports a truncated hunk with its line number instead of reviewing half a patch', () => {
    const patch = '--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n';
    assert.throws(
      () => parseUnifiedDiff(patch),
      (err: unknown) => err instanceof DiffParseError && /line 6: hunk ends early/.test(err.message),
    );
  });

  it('rejects garbage inside a hunk', () => {
    assert.throws(() => parseUnifiedDiff('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n?? what\n'), /line 5: unexpected line in hunk/);
  });

  it('skips a GIT binary patch payload', () => {
    const patch = [
      'diff --git a/img.png b/img.png',
      'index 1111111..2222222 100644',
      'GIT binary patch',
      'literal 5',
      'Mcmb=-$^+hM00Xc6Z2$lO',
      '',
      'literal 3',
      'Kcmb=-$^+hM0',
      '',
      'diff --git a/t.txt b/t.txt',
      '--- a/t.txt',
      '+++ b/t.txt',
      '@@ -1 +1 @@',
      '-1',
      '+2',
      '',
    ].join('\n');
    const files = parseUnifiedDiff(patch);
    assert.deepEqual(
      files.map((f) => [f.path, f.status]),
      [
        ['img.png', 'binary'],
        ['t.txt', 'modified'],
      ],
    );
  });
});
