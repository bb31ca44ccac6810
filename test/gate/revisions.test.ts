import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../src/domain/errors.js';
import { evaluateGate } from '../../src/gate/index.js';
import { mergeBaseOf, resolveCommits } from '../../src/gate/sources.js';
import { FixtureRepo } from './fixture.js';

describe('resolving the revisions of a change', () => {
  const repo = new FixtureRepo({ 'src/a.ts': 'export function a() { return 1; }\n' });
  const main = repo.git('rev-parse', 'main').trim();
  const topic = repo.branch('topic', { 'src/a.ts': 'export function a() { return 2; }\n' });
  repo.git('tag', '-a', '-m', 'annotated', 'v1', topic);
  repo.git('tag', 'light', main);
  const tree = repo.git('rev-parse', 'main^{tree}').trim();
  // a second history that shares no commit with main
  repo.git('checkout', '-q', '--orphan', 'unrelated');
  const unrelated = repo.commitAll('unrelated');
  repo.git('checkout', '-q', 'main');
  const outside = mkdtempSync(path.join(os.tmpdir(), 'bulwark-not-a-repo-'));
  after(() => {
    rmSync(repo.dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('resolves every kind of name to its commit, in the order asked', () => {
    assert.deepEqual(resolveCommits(repo.dir, ['topic', 'main', 'v1', 'light', topic.slice(0, 10), 'topic~1', 'HEAD']), [
      topic,
      main,
      topic, // an annotated tag is peeled to its commit
      main,
      topic,
      main,
      main,
    ]);
  });

  it('names the first revision that is not a commit of the repository', () => {
    const fails = (refs: string[], message: string): void =>
      assert.throws(
        () => resolveCommits(repo.dir, refs),
        (e: unknown) => e instanceof UsageError && e.message === message,
      );
    fails(['main', 'no-such-branch', 'also-missing'], 'unknown revision: no-such-branch');
    fails([tree, 'main'], `unknown revision: ${tree}`); // a tree is no commit
    fails(['main', '--all'], 'unknown revision: --all');
    fails(['main\ntopic'], 'unknown revision: "main\\ntopic"'); // would be two names to git
    // names whose lookup ends git rather than being answered; the first name that fails is named
    fails(['main', '@{u}'], 'unknown revision: @{u}'); // main has no upstream
    fails(['HEAD@{99}', 'main'], 'unknown revision: HEAD@{99}'); // past the reflog
    fails(['no-such-branch', 'HEAD@{99}'], 'unknown revision: no-such-branch');
    // git ends before it has read the names after that one: more than a pipe holds, so writing
    // them fails (EPIPE), which is that name's answer, not a git that cannot run
    fails(['HEAD@{99}', ...Array<string>(100_000).fill('main')], 'unknown revision: HEAD@{99}');
    assert.throws(
      () => resolveCommits(outside, ['main']),
      (e: unknown) => e instanceof UsageError && e.message === `not a git repository: ${outside}`,
    );
  });

  it('finds the merge base, and names both revisions when their histories share no commit', async () => {
    assert.equal(await mergeBaseOf(repo.dir, topic, main, { base: 'topic', head: 'main' }), main);
    await assert.rejects(
      mergeBaseOf(repo.dir, main, unrelated, { base: 'main', head: 'unrelated' }),
      (e: unknown) => e instanceof UsageError && e.message === 'no merge base between main and unrelated (shallow clone? fetch more history)',
    );
  });

  it('reports a revision git cannot list (read while the merge base runs) as one line, with nothing left unhandled', async () => {
    // the head's root tree is gone from the object store: its commit and the merge base still
    // resolve, its listing fails
    const broken = new FixtureRepo({ 'src/a.ts': 'export function a() { return 1; }\n' });
    // a git that takes its time over the merge base, so the listing has failed before it answers
    const bin = mkdtempSync(path.join(os.tmpdir(), 'bulwark-slow-git-'));
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(path.join(bin, 'git'), `#!/bin/sh\nif [ "$3" = merge-base ]; then sleep 1; fi\nexec ${realGit} "$@"\n`, { mode: 0o755 });
    const savedPath = process.env.PATH;
    try {
      broken.branch('topic', { 'src/b.ts': 'export function b() { return 2; }\n' });
      const tree = broken.git('rev-parse', 'topic^{tree}').trim();
      rmSync(path.join(broken.dir, '.git', 'objects', tree.slice(0, 2), tree.slice(2)));
      process.env.PATH = `${bin}:${savedPath}`;
      await assert.rejects(
        evaluateGate({ repoDir: broken.dir, base: 'main', head: 'topic', cacheDir: null }),
        // the diff needs that tree too, and its failure is the one reported
        (e: unknown) => e instanceof UsageError && e.message.startsWith('git diff failed in ') && e.message.endsWith(`unable to read tree ${tree}`),
      );
    } finally {
      process.env.PATH = savedPath;
      rmSync(broken.dir, { recursive: true, force: true });
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('gives the gate the change from the merge base, and its errors as one line', async () => {
    const result = await evaluateGate({ repoDir: repo.dir, base: 'main', head: 'v1', cacheDir: null, config: { roots: ['*.a'] } });
    assert.equal(result.base, main);
    assert.equal(result.head, topic);
    assert.equal(result.flagged, true);
    await assert.rejects(
      evaluateGate({ repoDir: repo.dir, base: 'main', head: 'unrelated', cacheDir: null }),
      (e: unknown) => e instanceof UsageError && e.message === 'no merge base between main and unrelated (shallow clone? fetch more history)',
    );
    await assert.rejects(
      evaluateGate({ repoDir: repo.dir, base: 'nope', head: 'also-nope', cacheDir: null }),
      (e: unknown) => e instanceof UsageError && e.message === 'unknown revision: also-nope', // the head is named first
    );
  });
});
