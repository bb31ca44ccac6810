import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeGitlab } from '../helpers/fake-gitlab.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { scriptedReviewer } from '../helpers/fake-reviewer.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { runCli } from '../helpers/cli.js';

/**
 * `bulwark review --gitlab` end to end: the real CLI in a GitLab merge-request pipeline's
 * environment, the sandboxed pipeline against a fake OpenAI server, and a loopback GitLab API.
 */

const TOPOLOGY = `[[pipeline.stages]]\nname = "security"\nprompt_file = "prompts/security.md"\n`;
const CHARGE_BASE = `export function charge(account, amountCents) {\n  return account.debit(amountCents);\n}\n`;
const CHARGE_HEAD = `export function charge(account, amountCents, card) {\n  console.log('charging card', card.number, amountCents);\n  return account.debit(amountCents);\n}\n`;

describe('bulwark review --gitlab (CLI, end to end)', () => {
  let repo: GitRepo;
  let tmp: string;
  let llm: FakeServer;
  let gl: FakeGitlab;
  let baseSha: string;
  let headSha: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gitlab-e2e-'));
    repo = makeGitRepo('bulwark-gitlab-repo-');
    chmodSync(repo.dir, 0o755);
    repo.writeAll({
      'bulwark.toml': 'topology = "review/topology.toml"\n',
      'review/topology.toml': TOPOLOGY,
      'review/prompts/security.md': 'Review payments code.\n',
      'src/charge.js': CHARGE_BASE,
    });
    baseSha = repo.commit('base');
    repo.checkout('feature', true);
    repo.write('src/charge.js', CHARGE_HEAD);
    headSha = repo.commit('log card');
    llm = await startFakeOpenAi({ respond: scriptedReviewer({ readFirst: false }), apiKey: 'sk-test' });
    gl = await new FakeGitlab({ diffRefs: { base_sha: baseSha, start_sha: baseSha, head_sha: headSha } }).start();
    env = {
      PATH: process.env.PATH,
      HOME: tmp,
      XDG_STATE_HOME: path.join(tmp, 'state'),
      XDG_CACHE_HOME: path.join(tmp, 'cache'),
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: llm.url,
      NO_COLOR: '1',
      // what GitLab CI sets in a merge-request pipeline
      GITLAB_CI: 'true',
      CI_API_V4_URL: gl.url,
      CI_PIPELINE_ID: '311',
      CI_JOB_URL: 'https://gitlab.example/acme/pay/-/jobs/9',
      CI_PROJECT_ID: '77',
      CI_PROJECT_PATH: 'acme/pay',
      CI_MERGE_REQUEST_IID: '7',
      CI_MERGE_REQUEST_PROJECT_ID: '77',
      CI_MERGE_REQUEST_PROJECT_PATH: 'acme/pay',
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature',
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
      CI_MERGE_REQUEST_DIFF_BASE_SHA: baseSha,
      CI_MERGE_REQUEST_TARGET_BRANCH_SHA: baseSha,
      CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: headSha,
      CI_COMMIT_SHA: headSha,
    };
  });

  after(async () => {
    await llm.close();
    await gl.close();
    repo.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a CI job token alone before any model call (exit 3), naming the endpoints that need an access token', async () => {
    const r = await runCli(['review', '--repo', repo.dir, '--gitlab', '--audit-db', path.join(tmp, 'jt.db')], { ...env, CI_JOB_TOKEN: 'job-token' });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /--gitlab needs GITLAB_TOKEN .*CI_JOB_TOKEN may not call GET \/user, merge-request notes and discussions, or POST statuses/);
    assert.equal(llm.requests.length, 0);
    assert.equal(gl.requests.length, 0);
  });

  it('publishes the status, an inline discussion and the summary note, then repeats the recorded verdict without publishing again', async () => {
    const args = ['review', '--repo', repo.dir, '--gitlab', '--format', 'json', '--audit-db', path.join(tmp, 'audit.db')];
    const glEnv = { ...env, GITLAB_TOKEN: 'glpat-test' };
    const first = await runCli(args, glEnv);
    assert.equal(first.code, 1, first.stderr);
    const P = '/api/v4/projects/77';
    assert.deepEqual(
      gl.calls((r) => r.method !== 'GET'),
      [`POST ${P}/statuses/${headSha}`, `POST ${P}/merge_requests/7/discussions`, `POST ${P}/merge_requests/7/notes`, `POST ${P}/statuses/${headSha}`],
    );
    const [running, discussion, , done] = gl.writes();
    assert.deepEqual(running!.body, {
      state: 'running',
      name: 'bulwark',
      description: 'publishing the review; verdict: blocking findings: 1 finding (1 blocking)',
      target_url: env.CI_JOB_URL,
      pipeline_id: 311,
    });
    const d = discussion!.body as Record<string, string>;
    assert.deepEqual(
      [d['position[new_path]'], d['position[new_line]'], d['position[head_sha]'], d['position[base_sha]']],
      ['src/charge.js', '2', headSha, baseSha],
    );
    assert.deepEqual(done!.body, {
      state: 'failed',
      name: 'bulwark',
      description: 'blocking findings: 1 finding (1 blocking)',
      target_url: env.CI_JOB_URL,
      pipeline_id: 311,
    });

    const calls = llm.requests.length;
    const second = await runCli(args, glEnv);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /already reviewed with this configuration/);
    assert.equal(llm.requests.length, calls);
    assert.equal(gl.writes().length, 4);
  });
});
