import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { GitBatch } from '../../src/gate/git-batch.js';
import { evaluateGate } from '../../src/gate/index.js';
import { listThrough } from '../../src/gate/tree-listing.js';
import { FixtureRepo } from './fixture.js';

const lsTree = (repo: FixtureRepo, commit: string): string =>
  execFileSync('git', ['-C', repo.dir, 'ls-tree', '-r', '-z', '--full-tree', commit], { maxBuffer: 1 << 26 }).toString('utf8');

describe("a commit's files through the run's open git cat-file --batch", () => {
  const repo = new FixtureRepo({
    'README.md': 'top\n',
    'a b/ç.ts': 'export const c = 1;\n',
    'src/deep/er/x.ts': 'export const x = 1;\n',
    'src/deep/y.ts': 'export const y = 1;\n',
    'src/deep-er.ts': 'export const z = 1;\n',
    'src/run.sh': 'echo hi\n',
    // the same subtree twice: one tree object, listed under both paths
    'one/same/s.ts': 'export const s = 1;\n',
    'two/same/s.ts': 'export const s = 1;\n',
  });
  chmodSync(path.join(repo.dir, 'src/run.sh'), 0o755);
  symlinkSync('deep/y.ts', path.join(repo.dir, 'src/link.ts'));
  const withModes = repo.commitAll('modes');
  // a submodule is a commit entry (a gitlink), which ls-tree lists without descending
  repo.git('update-index', '--add', '--cacheinfo', `160000,${withModes},vendor/lib`);
  repo.git('commit', '-q', '-m', 'gitlink');
  const withGitlink = repo.git('rev-parse', 'HEAD').trim();
  const batch = new GitBatch(repo.dir);
  after(async () => {
    await batch.close();
    repo.remove();
  });

  it('gives what git ls-tree -r -z --full-tree prints, byte for byte, entry for entry in its order', async () => {
    for (const commit of [withModes, withGitlink]) {
      const got = await listThrough(batch, commit);
      assert.equal(got, lsTree(repo, commit));
    }
    const listed = (await listThrough(batch, withGitlink))!.split('\0').filter(Boolean);
    assert.ok(listed.some((e) => e.startsWith('120000 blob ') && e.endsWith('\tsrc/link.ts')));
    assert.ok(listed.some((e) => e.startsWith('100755 blob ') && e.endsWith('\tsrc/run.sh')));
    assert.ok(listed.some((e) => e.startsWith('160000 commit ') && e.endsWith('\tvendor/lib')));
    assert.ok(listed.some((e) => e.endsWith('\tone/same/s.ts')) && listed.some((e) => e.endsWith('\ttwo/same/s.ts')));
  });

  it('sees a git replace of a tree, as ls-tree does', async () => {
    const src = repo.git('rev-parse', `${withModes}:src/deep`).trim();
    const other = repo.git('rev-parse', `${withModes}:one`).trim();
    repo.git('replace', src, other);
    // git reads the replace refs once per process: a run's batch, started after the replace
    const fresh = new GitBatch(repo.dir);
    try {
      const got = await listThrough(fresh, withModes);
      assert.equal(got, lsTree(repo, withModes));
      assert.ok(got.includes('\tsrc/deep/same/s.ts\0'), got);
    } finally {
      await fresh.close();
      repo.git('replace', '-d', src);
    }
  });

  it('gives nothing for a name that is no commit (the caller then asks ls-tree)', async () => {
    assert.equal(await listThrough(batch, '0'.repeat(40)), undefined);
    assert.equal(await listThrough(batch, repo.git('rev-parse', `${withModes}^{tree}`).trim()), undefined);
    // and the batch still answers after those
    assert.equal(await listThrough(batch, withModes), lsTree(repo, withModes));
  });
});

describe('trees with modes git does not write', () => {
  const files = {
    'src/pay.py': 'def fee(x):\n    return x + 1\n\n\ndef handler(x):\n    return x\n',
  };
  const repo = new FixtureRepo(files);
  const hex = (id: string): Buffer => Buffer.from(id, 'hex');
  const object = (type: string, content: Buffer): string =>
    execFileSync('git', ['-C', repo.dir, 'hash-object', '-t', type, '--literally', '-w', '--stdin'], { input: content, encoding: 'utf8' }).trim();
  const entry = (mode: string, name: string, id: string): Buffer => Buffer.concat([Buffer.from(`${mode} ${name}\0`), hex(id)]);
  /** A commit on main whose root tree lists `src` with `srcMode`, and whose src/pay.py is `pay` with `fileMode`. */
  const commitWith = (srcMode: string, fileMode: string, pay: string): string => {
    const blob = object('blob', Buffer.from(pay));
    const src = object('tree', entry(fileMode, 'pay.py', blob));
    const root = object('tree', entry(srcMode, 'src', src));
    return repo.git('commit-tree', root, '-p', 'main', '-m', `modes ${srcMode} ${fileMode}`).trim();
  };
  const batch = new GitBatch(repo.dir);
  after(async () => {
    await batch.close();
    repo.remove();
  });

  it('gives nothing for a zero-padded folder, an odd file mode or an unknown one: ls-tree lists those', async () => {
    for (const [srcMode, fileMode] of [
      ['040000', '100644'],
      ['40000', '100664'],
      ['40000', '60000'],
    ] as const) {
      const commit = commitWith(srcMode, fileMode, files['src/pay.py']);
      assert.equal(await listThrough(batch, commit), undefined, `${srcMode} ${fileMode}`);
      assert.ok(lsTree(repo, commit).length > 0);
    }
  });

  it("decides a change under a zero-padded folder as ls-tree's listing does", async () => {
    // handler now calls fee, under a folder whose mode is written 040000
    const head = commitWith('040000', '100644', files['src/pay.py'].replace('return x\n', 'return fee(x)\n'));
    const config = { roots: ['*.fee'] };
    const through = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config, cacheDir: null, objects: batch });
    const listed = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config, cacheDir: null });
    assert.equal(listed.flagged, true);
    assert.deepEqual(through, listed);
  });
});

describe('git cat-file --batch asked by several callers at once', () => {
  const big = Array.from({ length: 40_000 }, (_, i) => `line ${i}`).join('\n');
  const repo = new FixtureRepo({ 'big.txt': big, 'small.txt': 'small\n' });
  const batch = new GitBatch(repo.dir);
  after(async () => {
    await batch.close();
    repo.remove();
  });

  it('answers each caller its own questions, in order, an object larger than a pipe read whole', async () => {
    const [a, b, c] = await Promise.all([
      batch.ask(['main:big.txt', 'main:small.txt']),
      batch.ask(['main:small.txt', 'main:no-such']),
      batch.ask(['main:big.txt']),
    ]);
    assert.deepEqual(
      a.map((r) => r?.content.toString('utf8')),
      [big, 'small\n'],
    );
    assert.deepEqual(
      b.map((r) => r?.content.toString('utf8')),
      ['small\n', undefined],
    );
    assert.equal(c[0]?.content.toString('utf8'), big);
    assert.equal(c[0]?.type, 'blob');
  });

  // a lost wake-up would leave the question, or close(), waiting for ever: bounded, so it fails
  it('answers a question being read when it is closed, and a question after that with nothing, unwritten', { timeout: 10_000 }, async () => {
    const own = new GitBatch(repo.dir);
    const reading = own.ask(['main:big.txt', 'main:small.txt']);
    await own.close();
    assert.deepEqual(
      (await reading).map((r) => r?.content.toString('utf8')),
      [big, 'small\n'],
    );
    assert.deepEqual(await own.ask(['main:small.txt']), [undefined]);
    await own.close();
  });
});
