import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseUnifiedDiff } from '../../src/gate/diff.js';
import { FixtureRepo } from './fixture.js';
import { absoluteModule } from '../../src/gate/python/extract.js';
import { moduleNameFor } from '../../src/gate/facts.js';

describe('diff parsing and names', () => {
  it('maps hunks to base and head lines, with anchors for pure deletions', () => {
    const text = [
      'diff --git a/x.py b/x.py',
      'index 1..2 100644',
      '--- a/x.py',
      '+++ b/x.py',
      '@@ -3,2 +3 @@ def f():',
      '-a',
      '-b',
      '+c',
      '@@ -10 +9,0 @@',
      '-gone',
      '@@ -20,0 +19,2 @@',
      '+new1',
      '+new2',
      'diff --git a/old.py b/old.py',
      'deleted file mode 100644',
      '--- a/old.py',
      '+++ /dev/null',
      '@@ -1,2 +0,0 @@',
      '-x',
      '-y',
      'diff --git a/img.png b/img.png',
      'new file mode 100644',
      'Binary files /dev/null and b/img.png differ',
    ].join('\n');
    const [x, old, img] = parseUnifiedDiff(text);
    assert.deepEqual(x, { oldPath: 'x.py', newPath: 'x.py', oldLines: [3, 4, 10], newLines: [3, 19, 20], newAnchors: [9], binary: false });
    assert.deepEqual(old, { oldPath: 'old.py', newPath: null, oldLines: [1, 2], newLines: [], newAnchors: [0], binary: false });
    assert.equal(img!.binary, true);
    assert.equal(img!.oldPath, null);
    assert.equal(img!.newPath, 'img.png');
  });

  it('reads git-quoted paths (octal UTF-8 bytes, control characters) as the real file names', () => {
    const text = [
      'diff --git "a/paiement/caf\\303\\251.py" "b/paiement/caf\\303\\251.py"',
      '--- "a/paiement/caf\\303\\251.py"',
      '+++ "b/paiement/caf\\303\\251.py"',
      '@@ -2 +2 @@',
      '-a',
      '+b',
      'diff --git "a/bell\\a.py" "b/bell\\a.py"',
      '--- "a/bell\\a.py"',
      '+++ "b/bell\\a.py"',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      'diff --git "a/caf\\303\\251.png" "b/caf\\303\\251.png"',
      'new file mode 100644',
      'Binary files /dev/null and "b/caf\\303\\251.png" differ',
    ].join('\n');
    const [cafe, bell, png] = parseUnifiedDiff(text);
    assert.equal(png!.newPath, 'café.png');
    assert.equal(png!.oldPath, null);
    assert.equal(cafe!.oldPath, 'paiement/café.py');
    assert.equal(cafe!.newPath, 'paiement/café.py');
    assert.equal(bell!.newPath, 'bell\u0007.py');
  });

  describe('a regulated function in a file with a non-ASCII name', () => {
    const repo = new FixtureRepo({ 'paiement/café.py': 'def settle(x):\n    return x\n' });
    after(() => repo.remove());
    it('is flagged when it changes (the quoted diff path maps back to the file)', async () => {
      const head = repo.branch('cafe', { 'paiement/café.py': 'def settle(x):\n    return x + 1\n' });
      const r = await repo.gate(head, { roots: ['**.settle'] });
      assert.equal(r.flagged, true, JSON.stringify(r.reasons));
      assert.deepEqual(r.changedFiles, ['paiement/café.py']);
    });
  });

  it('names modules like PyCG and resolves relative imports', () => {
    assert.equal(moduleNameFor('pkg/mod.py', 'python'), 'pkg.mod');
    assert.equal(moduleNameFor('pkg/__init__.py', 'python'), 'pkg');
    assert.equal(moduleNameFor('src/lib/money.ts', 'ts'), 'src.lib.money');
    assert.equal(absoluteModule('pkg.sub.mod', false, '.util'), 'pkg.sub.util');
    assert.equal(absoluteModule('pkg.sub.mod', false, '..core'), 'pkg.core');
    assert.equal(absoluteModule('pkg.sub', true, '.util'), 'pkg.sub.util');
    assert.equal(absoluteModule('pkg.sub.mod', false, 'os.path'), 'os.path');
  });
});

describe('text rendering', () => {
  it('escapes control characters from file names', async () => {
    const { renderGateText } = await import('../../src/gate/render.js');
    const text = renderGateText({
      flagged: true,
      reasons: [{ kind: 'unparsable', message: 'cannot analyse changed file a\u001b[2Jb.py (head): syntax error near line 1\nfake: pass', file: 'x' }],
      paths: [],
      changedFunctions: [],
      zones: [],
      readScope: [],
      unparsable: [],
      changedFiles: [],
      base: 'a'.repeat(40),
      head: 'b'.repeat(40),
      roots: [],
    });
    assert.ok(!text.includes('\u001b'));
    assert.ok(text.includes('a\\x1b[2Jb.py'));
    assert.ok(text.includes('line 1\\x0afake: pass'));
  });
});
