import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acquireChange } from '../../src/review/acquire.js';
import { changeSchema, type ChangedFile } from '../../src/domain/change.js';
import { UsageError } from '../../src/domain/errors.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { removedAtExit } from '../helpers/temp-dir.js';

const noEnv = {} as NodeJS.ProcessEnv;

function byPath(files: ChangedFile[], p: string): ChangedFile {
  const f = files.find((x) => x.path === p);
  assert.ok(f, `no file ${p} in ${files.map((x) => x.path).join(', ')}`);
  return f;
}

describe('acquireChange from local git', () => {
  let repo: GitRepo;
  let sub: GitRepo;
  let baseSha: string;
  let mainTip: string;
  before(() => {
    sub = makeGitRepo('bulwark-sub-');
    sub.write('lib.txt', 'sub v1\n');
    const subV1 = sub.commit('sub v1');
    sub.write('lib.txt', 'sub v2\n');
    const subV2 = sub.commit('sub v2');

    repo = makeGitRepo();
    repo.writeAll({
      'src/pay.py': 'def pay(amount):\n    return amount\n',
      'src/rename_me.py': Array.from({ length: 20 }, (_, i) => `line_${i} = ${i}\n`).join(''),
      'docs/old.md': '# old\n',
      'run.sh': 'echo hi\n',
      'logo.bin': Buffer.from([0, 1, 2, 3, 0, 255]),
      'latin1.txt': Buffer.from('caf\xe9\n', 'latin1'),
    });
    // a gitlink without a checked-out submodule: an empty directory keeps `git add -A` off it
    mkdirSync(path.join(repo.dir, 'vendor-sub'));
    repo.git('update-index', '--add', '--cacheinfo', `160000,${subV1},vendor-sub`);
    baseSha = repo.commit('base');
    repo.checkout('feature', true);
    repo.write('src/pay.py', 'def pay(amount):\n    fee = 1\n    return amount + fee\n');
    repo.git('mv', 'src/rename_me.py', 'src/renamed.py');
    repo.remove('docs/old.md');
    repo.write('run.sh', 'echo hi\n', 0o755);
    repo.write('logo.bin', Buffer.from([0, 1, 2, 3, 0, 254, 7]));
    repo.write('latin1.txt', Buffer.from('caf\xe9 cr\xe8me\n', 'latin1'));
    repo.write('new file with space.ts', 'export const x = 1;\n');
    repo.git('update-index', '--cacheinfo', `160000,${subV2},vendor-sub`);
    repo.commit('feature');
    // main moves on after the branch point: the diff must come from the merge base
    repo.checkout('main');
    repo.write('unrelated.txt', 'main only\n');
    mainTip = repo.commit('main moves');
    repo.checkout('feature');
  });
  after(() => {
    repo.cleanup();
    sub.cleanup();
  });

  it('diffs head against the merge base and classifies every kind of file change', async () => {
    const change = await acquireChange({ repoDir: repo.dir, base: 'main', head: 'feature', env: noEnv });
    changeSchema.parse(change);
    assert.equal(change.source.kind, 'git');
    assert.equal(change.baseSha, mainTip);
    assert.equal(change.mergeBase, baseSha);
    assert.equal(change.headSha, repo.git('rev-parse', 'feature'));
    assert.ok(!change.files.some((f) => f.path === 'unrelated.txt'), 'changes on base after the fork are not part of the PR');

    const pay = byPath(change.files, 'src/pay.py');
    assert.equal(pay.status, 'modified');
    assert.equal(pay.additions, 2);
    assert.equal(pay.deletions, 1);
    const added = pay.hunks.flatMap((h) => h.lines).filter((l) => l.kind === 'add');
    assert.deepEqual(
      added.map((l) => [l.newLine, l.text]),
      [
        [2, '    fee = 1'],
        [3, '    return amount + fee'],
      ],
    );

    const ren = byPath(change.files, 'src/renamed.py');
    assert.equal(ren.status, 'renamed');
    assert.equal(ren.oldPath, 'src/rename_me.py');
    assert.equal(ren.similarity, 100);

    const del = byPath(change.files, 'docs/old.md');
    assert.equal(del.status, 'deleted');
    assert.equal(del.newPath, null);

    const mode = byPath(change.files, 'run.sh');
    assert.equal(mode.status, 'mode-changed');
    assert.equal(mode.oldMode, '100644');
    assert.equal(mode.newMode, '100755');

    const bin = byPath(change.files, 'logo.bin');
    assert.equal(bin.status, 'binary');
    assert.equal(bin.binary, true);
    assert.equal(bin.operation, 'modified');

    const latin = byPath(change.files, 'latin1.txt');
    assert.equal(latin.nonUtf8, true);
    assert.equal(latin.status, 'modified');
    assert.ok(!byPath(change.files, 'src/pay.py').nonUtf8);

    const subm = byPath(change.files, 'vendor-sub');
    assert.equal(subm.status, 'submodule');
    assert.equal(subm.submodule, true);

    const spaced = byPath(change.files, 'new file with space.ts');
    assert.equal(spaced.status, 'added');
    assert.equal(spaced.oldPath, null);
  });

  it('rejects an unknown base with a usage error naming it', async () => {
    await assert.rejects(acquireChange({ repoDir: repo.dir, base: 'no-such-branch', env: noEnv }), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.match((err as Error).message, /no-such-branch/);
      return true;
    });
  });

  it('refuses a ref that looks like an option', async () => {
    await assert.rejects(acquireChange({ repoDir: repo.dir, base: '--output=/tmp/x', env: noEnv }), UsageError);
  });

  it('reads a patch file and the same patch from stdin', async () => {
    const patch = repo.gitBuffer('diff', '--src-prefix=a/', '--dst-prefix=b/', '-M', `${baseSha}`, 'feature');
    const dir = removedAtExit(mkdtempSync(path.join(os.tmpdir(), 'bulwark-patch-')));
    const file = path.join(dir, 'change.diff');
    writeFileSync(file, patch);
    const fromFile = await acquireChange({ repoDir: repo.dir, diff: file, env: noEnv });
    assert.equal(fromFile.source.kind, 'patch');
    assert.equal(byPath(fromFile.files, 'src/renamed.py').status, 'renamed');
    const fromStdin = await acquireChange({ repoDir: repo.dir, diff: '-', stdin: () => patch, env: noEnv });
    assert.deepEqual(fromStdin.files, fromFile.files);
  });

  it('reads a GitHub pull_request event for metadata and SHAs', async () => {
    const dir = removedAtExit(mkdtempSync(path.join(os.tmpdir(), 'bulwark-event-')));
    const eventFile = path.join(dir, 'event.json');
    const headSha = repo.git('rev-parse', 'feature');
    writeFileSync(
      eventFile,
      JSON.stringify({
        action: 'synchronize',
        pull_request: {
          number: 42,
          title: 'Add a fee',
          body: 'Please review. <!-- hidden -->',
          html_url: 'https://github.example/acme/pay/pull/42',
          url: 'https://api.github.example/repos/acme/pay/pulls/42',
          user: { login: 'mallory' },
          base: { sha: mainTip, ref: 'main', repo: { full_name: 'acme/pay' } },
          head: { sha: headSha, ref: 'feature', repo: { full_name: 'mallory/pay' } },
        },
        repository: { full_name: 'acme/pay' },
      }),
    );
    const env = { GITHUB_EVENT_PATH: eventFile, GITHUB_EVENT_NAME: 'pull_request' } as NodeJS.ProcessEnv;
    const change = await acquireChange({ repoDir: repo.dir, env });
    assert.equal(change.source.kind, 'github-event');
    assert.equal(change.headSha, headSha);
    assert.equal(change.mergeBase, baseSha);
    assert.equal(change.pr?.number, 42);
    assert.equal(change.pr?.author, 'mallory');
    assert.equal(change.pr?.fromFork, true);
    assert.equal(change.pr?.repository, 'acme/pay');
    assert.ok(change.files.some((f) => f.path === 'src/pay.py'));
  });

  it('rejects an event file that is not a pull_request event', async () => {
    const dir = removedAtExit(mkdtempSync(path.join(os.tmpdir(), 'bulwark-event-')));
    const eventFile = path.join(dir, 'push.json');
    writeFileSync(eventFile, JSON.stringify({ ref: 'refs/heads/main', commits: [] }));
    await assert.rejects(acquireChange({ repoDir: repo.dir, githubEvent: eventFile, env: noEnv }), /push\.json: not a pull_request event: pull_request/);
  });

  it('reads GitLab merge-request variables', async () => {
    const env = {
      GITLAB_CI: 'true',
      CI_MERGE_REQUEST_IID: '7',
      CI_MERGE_REQUEST_TITLE: 'Fee change',
      CI_MERGE_REQUEST_DESCRIPTION: 'desc',
      CI_MERGE_REQUEST_DIFF_BASE_SHA: baseSha,
      CI_MERGE_REQUEST_TARGET_BRANCH_SHA: mainTip,
      CI_COMMIT_SHA: repo.git('rev-parse', 'feature'),
      CI_MERGE_REQUEST_PROJECT_PATH: 'acme/pay',
      CI_MERGE_REQUEST_SOURCE_PROJECT_PATH: 'acme/pay',
      CI_MERGE_REQUEST_PROJECT_URL: 'https://gitlab.example/acme/pay',
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature',
      GITLAB_USER_LOGIN: 'dev',
    } as NodeJS.ProcessEnv;
    const change = await acquireChange({ repoDir: repo.dir, env });
    assert.equal(change.source.kind, 'gitlab-mr');
    assert.equal(change.pr?.provider, 'gitlab');
    assert.equal(change.pr?.number, 7);
    assert.equal(change.pr?.htmlUrl, 'https://gitlab.example/acme/pay/-/merge_requests/7');
    assert.equal(change.pr?.fromFork, false);
    assert.equal(change.mergeBase, baseSha);
    assert.ok(change.files.some((f) => f.path === 'src/pay.py'));
  });
});
