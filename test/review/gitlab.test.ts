import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { defaultReviewConfig, reviewConfigSchema } from '../../src/review/config.js';
import { planCoverage } from '../../src/review/coverage.js';
import { createGitlab, gitlabHost, GitlabPublishError, publishGitlabReview, type GitlabTarget } from '../../src/review/gitlab.js';
import { decide } from '../../src/domain/verdict.js';
import { SUMMARY_MARKER } from '../../src/review/render-markdown.js';
import { buildReport } from '../../src/review/report.js';
import type { Finding } from '../../src/protocol/findings.js';
import { FakeGitlab, INVALID_POSITION, type GitlabRequest } from '../helpers/fake-gitlab.js';
import { changeOf, finding } from './helpers.js';

const config = defaultReviewConfig();
const HEAD = 'a'.repeat(40);
const REFS = { base_sha: 'b'.repeat(40), start_sha: 'c'.repeat(40), head_sha: HEAD };
const target: GitlabTarget = { project: 'acme/pay', mrIid: 42, headSha: HEAD, pipelineId: 311 };
const P = '/api/v4/projects/acme%2Fpay';
const body = (r: GitlabRequest | undefined): Record<string, unknown> => (r?.body ?? {}) as Record<string, unknown>;

async function reviewOf(findings: Finding[]) {
  const change = changeOf({ 'src/pay.py': ['def pay(amount):', '    charge(amount)', '    return True', 'x = 1'] });
  const decision = decide({ findings, config, gate: null, errors: [], change });
  const report = await buildReport({ runId: 'r1', change, decision, gate: null, coverage: planCoverage(change, { config }).record, maxFindings: 10 });
  return { change, report };
}

describe('GitLab publishing against a loopback REST API v4', () => {
  let gl: FakeGitlab;
  beforeEach(async () => {
    gl = await new FakeGitlab({ diffRefs: REFS }).start();
  });
  afterEach(async () => {
    await gl.close();
  });
  const restart = async (o: ConstructorParameters<typeof FakeGitlab>[0]): Promise<void> => {
    await gl.close();
    gl = await new FakeGitlab(o).start();
  };
  const opts = { config: config.gitlab, detailsUrl: 'https://gitlab.example/acme/pay/-/merge_requests/42' };

  it('sets the status running, posts inline discussions with diff_refs positions, the summary note, then the verdict status', async () => {
    const api = createGitlab('glpat-test', gl.url);
    const { change, report } = await reviewOf([
      finding({ line: 2, message: 'Amount is not validated' }),
      finding({ line: 99, severity: 'low', message: 'Past the end' }),
    ]);
    const res = await publishGitlabReview(api, target, report, change, opts);
    assert.deepEqual(gl.calls(), [
      `POST ${P}/statuses/${HEAD}`,
      `GET ${P}/merge_requests/42/discussions`,
      `GET ${P}/merge_requests/42`,
      `POST ${P}/merge_requests/42/discussions`,
      'GET /api/v4/user',
      `GET ${P}/merge_requests/42/notes`,
      `POST ${P}/merge_requests/42/notes`,
      `POST ${P}/statuses/${HEAD}`,
    ]);
    for (const r of gl.requests) assert.equal(r.privateToken, 'glpat-test');
    const [running, discussion, note, done] = gl.writes();
    assert.deepEqual(body(running), {
      state: 'running',
      name: 'bulwark',
      description: 'publishing the review; verdict: blocking findings: 2 findings (1 blocking)',
      target_url: opts.detailsUrl,
      pipeline_id: 311,
    });
    assert.match(discussion!.contentType, /^multipart\/form-data/);
    const d = body(discussion);
    assert.match(String(d.body), /^\*\*HIGH\*\* \(blocking\) · security: Amount is not validated/);
    assert.match(String(d.body), /<!-- bulwark:fp=v1:[0-9a-f]{32} -->/);
    const { body: _text, ...position } = d;
    assert.deepEqual(position, {
      'position[position_type]': 'text',
      'position[base_sha]': REFS.base_sha,
      'position[start_sha]': REFS.start_sha,
      'position[head_sha]': HEAD,
      'position[old_path]': 'src/pay.py',
      'position[new_path]': 'src/pay.py',
      'position[new_line]': '2',
    });
    const summary = String(body(note).body);
    assert.ok(summary.startsWith(SUMMARY_MARKER + '\n## '));
    assert.deepEqual(Object.keys(body(note)), ['body']);
    // a line not in the diff is listed in the summary instead, with why
    assert.match(summary, /### Findings not shown inline\n\n- `src\/pay.py:99` \(low\): Past the end — no such line/);
    assert.deepEqual(body(done), {
      state: 'failed',
      name: 'bulwark',
      description: 'blocking findings: 2 findings (1 blocking)',
      target_url: opts.detailsUrl,
      pipeline_id: 311,
    });
    assert.equal(res.status.state, 'failed');
    assert.deepEqual(res.discussions, { posted: 1, refused: 0 });
    assert.equal(res.summaryNote?.action, 'created');
  });

  it('edits its own summary note in place, ignores a marker note by someone else, and does not repeat posted discussions', async () => {
    const api = createGitlab('glpat-test', gl.url);
    const { change, report } = await reviewOf([finding({ line: 2 })]);
    await publishGitlabReview(api, target, report, change, opts);
    const ours = gl.notes.get(42)![0]!;
    gl.addNote(42, 'mallory', `${SUMMARY_MARKER}\nLooks good to me, merge it`);
    const before = gl.requests.length;
    const res = await publishGitlabReview(api, target, report, change, opts);
    assert.deepEqual(gl.calls().slice(before), [
      `POST ${P}/statuses/${HEAD}`,
      `GET ${P}/merge_requests/42/discussions`,
      'GET /api/v4/user',
      `GET ${P}/merge_requests/42/notes`,
      `PUT ${P}/merge_requests/42/notes/${ours.id}`,
      `POST ${P}/statuses/${HEAD}`,
    ]);
    assert.deepEqual(res.summaryNote, { id: ours.id, action: 'updated' });
    assert.match(gl.notes.get(42)![1]!.body, /Looks good to me/, "the other user's note is untouched");
  });

  it('lists a finding whose position GitLab refuses (400 line code) in the summary and still completes the status', async () => {
    await restart({ diffRefs: REFS, diffLines: { 'src/pay.py': [1, 2, 3] } });
    const api = createGitlab('glpat-test', gl.url);
    const { change, report } = await reviewOf([
      finding({ line: 2, message: 'Amount is not validated' }),
      finding({ line: 4, severity: 'medium', category: 'correctness', message: 'Dead assignment' }),
    ]);
    const res = await publishGitlabReview(api, target, report, change, opts);
    assert.deepEqual(res.discussions, { posted: 1, refused: 1 });
    const summary = String(body(gl.writes().find((r) => r.path.endsWith('/notes'))).body);
    // GitLab's message, Markdown-escaped (it is data from the server, never markup)
    assert.match(INVALID_POSITION, /^400 Bad request - Note \{:line_code=>/);
    assert.ok(
      summary.includes(
        '- `src/pay.py:4` (medium): Dead assignment — GitLab refused the position (400 Bad request - Note {:line\\_code=&gt;\\["can\'t be blank", "must be a valid line code"\\]})',
      ),
      summary,
    );
    assert.equal(gl.statuses.at(-1)!.status, 'failed');
  });

  it('completes the status with the verdict when the notes API fails, and throws naming the failure', async () => {
    gl.inject('POST', /\/notes$/, 500, '500 Internal Server Error');
    const api = createGitlab('glpat-test', gl.url);
    const { change, report } = await reviewOf([finding({ line: 2, severity: 'low' })]);
    await assert.rejects(publishGitlabReview(api, target, report, change, opts), (err: unknown) => {
      assert.ok(err instanceof GitlabPublishError);
      assert.equal(err.message, 'summary note: 500 Internal Server Error');
      assert.equal(err.result.status?.state, 'success');
      return true;
    });
    const last = gl.statuses.at(-1)!;
    assert.equal(last.status, 'success');
    assert.equal(last.description, 'pass: 1 finding (0 blocking); publishing partly failed: summary note: 500 Internal Server Error');
  });

  it('posts the verdict status even when the running status was refused, and retries a failed final status once', async () => {
    gl.inject('POST', /\/statuses\//, 403, '403 Forbidden', 2);
    const api = createGitlab('glpat-test', gl.url);
    const { change, report } = await reviewOf([]);
    const res = await publishGitlabReview(api, { ...target, mrIid: null }, report, change, opts);
    assert.deepEqual(gl.calls(), [`POST ${P}/statuses/${HEAD}`, `POST ${P}/statuses/${HEAD}`, `POST ${P}/statuses/${HEAD}`]);
    assert.equal(res.status.state, 'success');
    assert.equal(gl.statuses.length, 1);
  });

  it('takes the API base as GitLab CI gives it and the [review.gitlab] table is strict', () => {
    assert.equal(gitlabHost('https://gitlab.example/api/v4'), 'https://gitlab.example');
    assert.equal(gitlabHost('https://host.example/gitlab/api/v4/'), 'https://host.example/gitlab');
    assert.throws(() => gitlabHost('https://gitlab.example'), /must end in \/api\/v4/);
    assert.deepEqual(defaultReviewConfig().gitlab, {
      api_url: 'https://gitlab.com/api/v4',
      inline_comments: true,
      max_inline_comments: 20,
      timeout_seconds: 30,
    });
    assert.ok(!reviewConfigSchema.safeParse({ gitlab: { api_url: 'https://gitlab.example' } }).success);
    assert.ok(!reviewConfigSchema.safeParse({ gitlab: { token: 'x' } }).success);
  });
});
