import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../src/domain/errors.js';
import { evaluateGate } from '../../src/gate/index.js';
import { resolveChange } from '../../src/gate/resolve-change.js';
import { FixtureRepo } from './fixture.js';

const usage = (message: string) => (e: unknown) => e instanceof UsageError && e.message === message;

describe('resolving a change and its configuration with one git process', () => {
  const repo = new FixtureRepo({ 'bulwark.toml': '[gate]\nroots = ["*.a"]\n', 'src/a.ts': 'export function a() { return 1; }\n' });
  const main = repo.git('rev-parse', 'main').trim();
  const topic = repo.branch('topic', { 'bulwark.toml': '[gate]\nroots = ["*.other"]\n', 'src/a.ts': 'export function a() { return 2; }\n' });
  repo.git('tag', '-a', '-m', 'annotated', 'v1', topic);
  const bare = repo.branch('bare', { 'bulwark.toml': null });
  const folder = repo.branch('folder', { 'bulwark.toml': null, 'bulwark.toml/inner': 'x\n' });
  const outside = mkdtempSync(path.join(os.tmpdir(), 'bulwark-not-a-repo-'));
  after(() => {
    repo.remove();
    rmSync(outside, { recursive: true, force: true });
  });

  it("resolves both revisions and reads the base commit's configuration, not the head's", async () => {
    assert.deepEqual(await resolveChange(repo.dir, { base: 'main', head: 'v1' }, 'bulwark.toml'), {
      baseCommit: main,
      headCommit: topic, // an annotated tag is peeled to its commit
      configText: '[gate]\nroots = ["*.a"]\n',
    });
    assert.deepEqual(await resolveChange(repo.dir, { base: 'v1', head: 'main' }), { baseCommit: topic, headCommit: main });
  });

  it('leaves the configuration to the caller when the base has no such file, or a folder by its name', async () => {
    assert.deepEqual(await resolveChange(repo.dir, { base: bare, head: 'main' }, 'bulwark.toml'), { baseCommit: bare, headCommit: main });
    assert.deepEqual(await resolveChange(repo.dir, { base: folder, head: 'main' }, 'bulwark.toml'), { baseCommit: folder, headCommit: main });
  });

  it('names an unknown base first, and answers an unknown head as none', async () => {
    await assert.rejects(resolveChange(repo.dir, { base: 'no-such', head: 'also-missing' }, 'bulwark.toml'), usage('unknown revision: no-such'));
    await assert.rejects(resolveChange(repo.dir, { base: `${main}^{tree}`, head: 'main' }), usage(`unknown revision: ${main}^{tree}`));
    await assert.rejects(resolveChange(repo.dir, { base: 'main\ntopic', head: 'main' }), usage('unknown revision: "main\\ntopic"'));
    await assert.rejects(resolveChange(repo.dir, { base: '--all', head: 'main' }), usage('unknown revision: --all'));
    // a name whose lookup ends git instead of being answered (main has no upstream)
    await assert.rejects(resolveChange(repo.dir, { base: '@{u}', head: 'main' }), usage('unknown revision: @{u}'));
    assert.deepEqual(await resolveChange(repo.dir, { base: 'main', head: '@{u}' }, 'bulwark.toml'), { baseCommit: main, headCommit: null });
    assert.deepEqual(await resolveChange(repo.dir, { base: 'main', head: 'nope' }), { baseCommit: main, headCommit: null });
    assert.deepEqual(await resolveChange(repo.dir, { base: 'main', head: 'main\ntopic' }), { baseCommit: main, headCommit: null });
    await assert.rejects(resolveChange(outside, { base: 'main', head: 'HEAD' }), usage(`not a git repository: ${outside}`));
  });
});

describe('the change from the merge base', () => {
  const repo = new FixtureRepo({
    'src/a.ts': 'export function a() { return 1; }\n',
    'src/b.ts': 'export function b() { return 1; }\n',
  });
  after(() => repo.remove());

  it('diffs and lists from the merge base when the base moved on after the branch was made', async () => {
    const fork = repo.git('rev-parse', 'main').trim();
    const head = repo.branch('topic', { 'src/a.ts': 'export function a() { return 2; }\n' });
    // main's own change after the fork makes a() call the root c()
    repo.write({
      'src/a.ts': 'import { c } from "./b";\nexport function a() { return c(); }\n',
      'src/b.ts': 'export function b() { return 1; }\nexport function c() { return 3; }\n',
    });
    repo.commitAll('main moves on');
    const result = await repo.gate(head, { roots: ['*.c'] });
    assert.equal(result.base, fork);
    assert.deepEqual(result.changedFiles, ['src/a.ts']);
    assert.deepEqual(new Set(result.changedFunctions.map((f) => f.id)), new Set(['src.a.a']));
    // read against main as it is now, a() would reach c() in the base revision; from the fork it does not
    assert.equal(result.flagged, false);
  });

  it('diffs from the merge base git names when there are several (criss-cross merges)', async () => {
    const cc = new FixtureRepo({ 'src/a.ts': 'export function a() { return 1; }\n', 'src/b.ts': 'export function b() { return 1; }\n' });
    try {
      const x1 = cc.branch('x', { 'src/a.ts': 'export function a() { return 2; }\n' });
      cc.branch('y', { 'src/b.ts': 'export function b() { return 2; }\n' });
      cc.git('checkout', '-q', 'x');
      cc.git('merge', '-q', '--no-edit', 'y');
      cc.git('checkout', '-q', 'y');
      cc.git('merge', '-q', '--no-edit', x1);
      cc.write({ 'src/c.ts': 'import { a } from "./a";\nexport function c() { return a(); }\n' });
      const head = cc.commitAll('y3');
      cc.git('checkout', '-q', 'main');
      const bases = cc.git('merge-base', '--all', 'x', head).trim().split('\n');
      assert.equal(bases.length, 2);
      const named = cc.git('merge-base', 'x', head).trim();
      const result = await evaluateGate({ repoDir: cc.dir, base: 'x', head, cacheDir: null, config: { roots: ['*.c'] } });
      assert.equal(result.base, named);
      const expected = cc.git('diff', '--name-only', named, head).trim().split('\n').sort();
      assert.deepEqual([...result.changedFiles].sort(), expected);
      assert.equal(result.flagged, true);
    } finally {
      cc.remove();
    }
  });
});
