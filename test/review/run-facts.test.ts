import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeEntry } from '../../src/domain/audit-entries.js';
import { readGitlabMr } from '../../src/review/acquire.js';
import { ciRunOf, headCommitAuthor, runChangeFacts } from '../../src/review/run-facts.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { changeOf } from './helpers.js';

/** What `bulwark review` records about the change in run_started: PR, author, CI run. */
describe('run_started change facts', () => {
  let repo: GitRepo;
  let head: string;
  before(() => {
    repo = makeGitRepo('bulwark-run-facts-');
    repo.write('a.txt', 'a\n');
    head = repo.commit('one');
  });
  after(() => repo.cleanup());

  it('names the CI run from GitHub Actions or GitLab CI variables', () => {
    assert.equal(
      ciRunOf({ GITHUB_RUN_ID: '9', GITHUB_REPOSITORY: 'acme/pay', GITHUB_SERVER_URL: 'https://github.com/' }),
      'https://github.com/acme/pay/actions/runs/9',
    );
    assert.equal(ciRunOf({ GITHUB_RUN_ID: '9', GITHUB_REPOSITORY: 'acme/pay' }), 'github:acme/pay/actions/runs/9');
    assert.equal(ciRunOf({ CI_PIPELINE_ID: '77', CI_PROJECT_PATH: 'bank/pay' }), 'gitlab:bank/pay/pipelines/77');
    assert.equal(
      ciRunOf({ CI_PIPELINE_ID: '77', CI_PIPELINE_URL: 'https://gitlab.example/bank/pay/-/pipelines/77' }),
      'https://gitlab.example/bank/pay/-/pipelines/77',
    );
    assert.equal(ciRunOf({}), undefined);
  });

  it('takes the author of the head commit in a local checkout', async () => {
    assert.equal(await headCommitAuthor(repo.dir, head), 'author@example.test');
    assert.equal(await headCommitAuthor(repo.dir, '0'.repeat(40)), undefined);
    const facts = runChangeFacts(changeOf({ 'a.txt': ['a'] }), {}, 'author@example.test');
    assert.deepEqual(facts, { author: 'author@example.test' });
  });

  it('records a GitLab merge request with its author over the commit author, and the entry validates', () => {
    const env = {
      GITLAB_CI: 'true',
      CI_MERGE_REQUEST_IID: '12',
      CI_PROJECT_PATH: 'bank/pay',
      CI_MERGE_REQUEST_PROJECT_URL: 'https://gitlab.example/bank/pay',
      CI_COMMIT_SHA: head,
      CI_MERGE_REQUEST_DIFF_BASE_SHA: head,
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'fix',
      GITLAB_USER_LOGIN: 'dev',
      CI_PIPELINE_ID: '77',
    };
    const pr = readGitlabMr(env)!.pr;
    const facts = runChangeFacts(changeOf({ 'a.txt': ['a'] }, { pr }), env, 'author@example.test');
    assert.deepEqual(facts, {
      pr: {
        provider: 'gitlab',
        number: 12,
        url: 'https://gitlab.example/bank/pay/-/merge_requests/12',
        repository: 'bank/pay',
        base_ref: 'main',
        head_ref: 'fix',
      },
      author: 'dev',
      ci_run: 'gitlab:bank/pay/pipelines/77',
    });
    assert.doesNotThrow(() => makeEntry({ kind: 'run_started', run_id: 'r', command: 'review', ...facts }));
    // a PR event without an author login falls back to the commit author
    assert.equal(runChangeFacts(changeOf({}, { pr: { ...pr, author: '' } }), {}, 'c@x').author, 'c@x');
  });
});
