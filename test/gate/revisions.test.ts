import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
    fails(['main', '--all'], 'unknown revision: --all'); // never read as an option
    fails(['main\ntopic'], 'unknown revision: "main\\ntopic"'); // would be two names to git
    assert.throws(
      () => resolveCommits(outside, ['main']),
      (e: unknown) => e instanceof UsageError && e.message === `not a git repository: ${outside}`,
    );
  });

  it('finds the merge base, and names both revisions when their histories share no commit', async () => {
    assert.equal(await mergeBaseOf(repo.dir, topic, main, { base: 'topic', head: 'main' }), main);
    await assert.rejects(
      mergeBaseOf(repo.dir, main, unrelated, { base: 'main', head: 'unrelated' }),
      (e: unknown) => e instanceof UsageError && e.message === 'no merge base between main and unrelated',
    );
  });

  it('gives the gate the change from the merge base, and its errors as one line', async () => {
    const result = await evaluateGate({ repoDir: repo.dir, base: 'main', head: 'v1', cacheDir: null, config: { roots: ['*.a'] } });
    assert.equal(result.base, main);
    assert.equal(result.head, topic);
    assert.equal(result.flagged, true);
    await assert.rejects(
      evaluateGate({ repoDir: repo.dir, base: 'main', head: 'unrelated', cacheDir: null }),
      (e: unknown) => e instanceof UsageError && e.message === 'no merge base between main and unrelated',
    );
    await assert.rejects(
      evaluateGate({ repoDir: repo.dir, base: 'nope', head: 'also-nope', cacheDir: null }),
      (e: unknown) => e instanceof UsageError && e.message === 'unknown revision: also-nope', // the head is named first
    );
  });
});
