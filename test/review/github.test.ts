import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { defaultReviewConfig } from '../../src/review/config.js';
import { planCoverage } from '../../src/review/coverage.js';
import { publishApprovalCheck } from '../../src/approval/github.js';
import { createOctokit, GithubPublishError, publishReview, type GithubLimits, type GithubTarget } from '../../src/review/github.js';
import { decide } from '../../src/domain/verdict.js';
import { SUMMARY_MARKER } from '../../src/review/render-markdown.js';
import { buildReport } from '../../src/review/report.js';
import type { Finding } from '../../src/protocol/findings.js';
import { FakeGithub, type RecordedRequest } from '../helpers/fake-github.js';
import { changeOf, finding } from './helpers.js';

const config = defaultReviewConfig();
const HEAD = 'a'.repeat(40);
const CONFIG_HASH = 'c0ffee'.repeat(10).slice(0, 64);
const target: GithubTarget = { owner: 'acme', repo: 'pay', pullNumber: 42, headSha: HEAD };

async function reviewOf(findings: Finding[], gateFlagged = false) {
  const change = changeOf({ 'src/pay.py': ['def pay(amount):', '    charge(amount)', '    return True', 'x = 1'] });
  const gate = gateFlagged ? { flagged: true, reasons: [{ kind: 'zone', message: 'touches zone payments' }] } : null;
  const decision = decide({ findings, config, gate, errors: [], change });
  const report = await buildReport({
    runId: 'r1',
    change,
    decision,
    gate: gate ? { ...gate, paths: [], zones: [] } : null,
    coverage: planCoverage(change, { config }).record,
    maxFindings: 10,
  });
  return { change, report };
}

/** Short waits: `retry-after: 1` becomes 5 ms; no write spacing. */
const FAST: Partial<GithubLimits> = { retryUnitMs: 5, writeIntervalMs: 0, timeoutMs: 5_000 };
const opts = { config: config.github, configHash: CONFIG_HASH };
const P = '/repos/acme/pay';
/** 0 → 'a', 27 → 'bb': distinct messages whose normalised form differs (digits may be normalised away). */
const letters = (i: number): string => String.fromCharCode(97 + (i % 26)).repeat(1 + Math.floor(i / 26)) + String.fromCharCode(97 + Math.floor(i / 26));
const body = (r: RecordedRequest | undefined): Record<string, unknown> => (r?.body ?? {}) as Record<string, unknown>;

describe('GitHub publishing against a fake REST server', () => {
  let gh: FakeGithub;
  beforeEach(async () => {
    gh = await new FakeGithub().start();
  });
  afterEach(async () => {
    await gh.close();
  });
  const restart = async (o: ConstructorParameters<typeof FakeGithub>[0]): Promise<void> => {
    await gh.close();
    gh = await new FakeGithub(o).start();
  };

  it('creates the check run first (in progress), then the review and the sticky summary, and completes the check last', async () => {
    const octokit = createOctokit('ghs_test', gh.url, FAST);
    const { change, report } = await reviewOf([
      finding({ line: 2, message: 'Amount is not validated' }),
      finding({ line: 2, endLine: 3, severity: 'medium', category: 'correctness', message: 'Return value ignored' }),
      finding({ line: 99, severity: 'low', message: 'Past the end' }),
    ]);
    const res = await publishReview(octokit, target, report, change, { ...opts, detailsUrl: 'https://github.example/acme/pay/pull/42' });
    assert.equal(res.summaryComment?.action, 'created');
    assert.equal(res.review?.comments, 2);
    assert.equal(res.inlineSkipped, 1);
    assert.equal(res.check.kind, 'check-run');
    const run = gh.checkRuns[0]!;
    assert.deepEqual(gh.calls(), [
      `POST ${P}/check-runs`,
      `GET ${P}/pulls/42/comments`,
      `POST ${P}/pulls/42/reviews`,
      'GET /user',
      `GET ${P}/issues/42/comments`,
      `POST ${P}/issues/42/comments`,
      `PATCH ${P}/check-runs/${run.id}`,
      `PATCH ${P}/check-runs/${run.id}`,
    ]);
    for (const r of gh.requests) assert.equal(r.authorization, 'token ghs_test');
    const writes = gh.writes();
    const created = body(writes[0]);
    assert.equal(created.name, 'bulwark');
    assert.equal(created.status, 'in_progress');
    assert.equal(created.conclusion, undefined);
    assert.equal(created.head_sha, HEAD);
    assert.equal(created.external_id, `bulwark:${CONFIG_HASH.slice(0, 32)}:exit=1`);
    assert.equal(created.details_url, 'https://github.example/acme/pay/pull/42');
    const review = body(writes[1]) as { commit_id: string; event: string; comments: Record<string, unknown>[] };
    assert.equal(review.event, 'COMMENT');
    assert.equal(review.commit_id, HEAD);
    assert.deepEqual(
      review.comments.map((c) => ({ path: c.path, line: c.line, side: c.side, start_line: c.start_line })),
      [
        { path: 'src/pay.py', line: 2, side: 'RIGHT', start_line: undefined },
        { path: 'src/pay.py', line: 3, side: 'RIGHT', start_line: 2 },
      ],
    );
    assert.match(String(review.comments[0]!.body), /<!-- bulwark:fp=v1:[0-9a-f]{32} -->/);
    const summary = String(body(writes[2]).body);
    assert.ok(summary.startsWith(SUMMARY_MARKER + '\n## '));
    // the finding past the end of the 4-line file is not dropped: listed, with why
    assert.match(
      summary,
      /### Findings not shown inline\n\n- `src\/pay.py:99` \(low\): Past the end — no such line; line 99 is beyond the end of the file \(4 lines\)/,
    );
    const done = body(writes[4]);
    assert.equal(done.status, 'completed');
    assert.equal(done.conclusion, 'failure');
    assert.equal(run.status, 'completed');
  });

  it('when GitHub refuses the review (422), posts the comments one by one, lists the refused ones in the summary, and completes the check', async () => {
    // GitHub's diff has lost line 4 (e.g. after a force-push): the review and that comment are refused
    await restart({ diffLines: { 'src/pay.py': [1, 2, 3] } });
    const octokit = createOctokit('ghs_test', gh.url, FAST);
    const { change, report } = await reviewOf([
      finding({ line: 2, message: 'Amount is not validated' }),
      finding({ line: 4, severity: 'medium', category: 'correctness', message: 'Dead assignment' }),
    ]);
    const res = await publishReview(octokit, target, report, change, opts);
    const runId = gh.checkRuns[0]!.id;
    assert.deepEqual(
      gh.calls((r) => r.method !== 'GET'),
      [
        `POST ${P}/check-runs`,
        `POST ${P}/pulls/42/reviews`,
        `POST ${P}/pulls/42/comments`,
        `POST ${P}/pulls/42/comments`,
        `POST ${P}/issues/42/comments`,
        `PATCH ${P}/check-runs/${runId}`,
        `PATCH ${P}/check-runs/${runId}`,
      ],
    );
    const singles = gh
      .writes()
      .filter((r) => r.path === `${P}/pulls/42/comments`)
      .map((r) => body(r));
    assert.deepEqual(
      singles.map((c) => [c.path, c.line, c.side, c.commit_id]),
      [
        ['src/pay.py', 2, 'RIGHT', HEAD],
        ['src/pay.py', 4, 'RIGHT', HEAD],
      ],
    );
    assert.equal(res.review, null);
    assert.deepEqual(res.single, { posted: 1, refused: 1 });
    assert.deepEqual(res.failures, []);
    assert.deepEqual(
      gh.reviewComments.get(42)!.map((c) => c.line),
      [2],
    );
    const summary = gh.issueComments.get(42)![0]!.body;
    assert.match(summary, /### Findings not shown inline/);
    assert.match(summary, /`src\/pay.py:4` \(medium\): Dead assignment — GitHub refused the inline comment \(Validation Failed: could not be resolved\)/);
    assert.equal(gh.checkRuns[0]!.conclusion, 'failure');
  });

  it('completes the check with the verdict when a part of publishing fails, says so in its summary, and throws', async () => {
    await restart({});
    gh.inject('POST', `${P}/issues/42/comments`, { kind: 'server-error' }, 10);
    const octokit = createOctokit('ghs_test', gh.url, { ...FAST, serverErrorRetries: 1 });
    const { change, report } = await reviewOf([finding({ line: 2 })], false);
    const err = await publishReview(octokit, target, report, change, opts).then(
      () => assert.fail('publishing should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GithubPublishError);
    assert.match(err.message, /^summary comment: 500 /);
    assert.equal(gh.calls((r) => r.path === `${P}/issues/42/comments` && r.method === 'POST').length, 2, 'one retry of the 5xx');
    const run = gh.checkRuns[0]!;
    assert.equal(run.status, 'completed');
    assert.equal(run.conclusion, 'failure');
    assert.match(String((run.output as { summary: string }).summary), /Publishing partly failed[\s\S]*summary comment: 500/);
    assert.equal(gh.writes().at(-1)!.method, 'PATCH', 'the completion is the last request');
  });

  it('retries a secondary rate limit after retry-after, then publishes', async () => {
    gh.inject('POST', `${P}/check-runs`, { kind: 'secondary', retryAfter: 4 });
    const octokit = createOctokit('ghs_test', gh.url, FAST);
    const { change, report } = await reviewOf([]);
    const res = await publishReview(octokit, target, report, change, opts);
    const posts = gh.requests.filter((r) => r.method === 'POST' && r.path === `${P}/check-runs`);
    assert.equal(posts.length, 2);
    assert.ok(posts[1]!.at - posts[0]!.at >= 4 * 5 - 2, `waited ${posts[1]!.at - posts[0]!.at} ms`);
    assert.equal(res.check.kind, 'check-run');
    assert.equal(gh.statuses.length, 0);
  });

  it('waits for a primary rate limit only until a reset within the cap', async () => {
    gh.inject('POST', `${P}/check-runs`, { kind: 'primary', resetIn: 0 });
    const octokit = createOctokit('ghs_test', gh.url, FAST);
    const { change, report } = await reviewOf([]);
    await publishReview(octokit, target, report, change, opts);
    assert.equal(gh.calls((r) => r.method === 'POST' && r.path === `${P}/check-runs`).length, 2, 'retried after the reset');
    assert.equal(gh.checkRuns[0]!.status, 'completed');

    // a reset an hour away is over the 60 s budget: no wait, no retry, no status fallback, an error
    const later = await new FakeGithub().start();
    try {
      later.inject('POST', `${P}/check-runs`, { kind: 'primary', resetIn: 3600 }, 5);
      const c2 = createOctokit('ghs_test', later.url, FAST);
      const started = Date.now();
      await assert.rejects(
        publishReview(c2, { ...target, pullNumber: null }, report, change, opts),
        (e: Error) => e instanceof GithubPublishError && /check run could not be created/.test(e.message) && /API rate limit exceeded/.test(e.message),
      );
      assert.ok(Date.now() - started < 5_000);
      assert.deepEqual(later.calls(), [`POST ${P}/check-runs`, `POST ${P}/check-runs`]);
    } finally {
      await later.close();
    }
  });

  it('a rate limit on check runs is not "no permission": retried up to the limit, then a loud failure, never a commit status', async () => {
    gh.inject('POST', `${P}/check-runs`, { kind: 'secondary', retryAfter: 1 }, 100);
    const octokit = createOctokit('ghs_test', gh.url, { ...FAST, rateLimitRetries: 2 });
    const { change, report } = await reviewOf([], true);
    await assert.rejects(
      publishReview(octokit, { ...target, pullNumber: null }, report, change, opts),
      (e: Error) => e instanceof GithubPublishError && /secondary rate limit/.test(e.message),
    );
    // 1 + 2 retries at the start, 1 + 2 for the last attempt
    assert.deepEqual(gh.calls(), Array(6).fill(`POST ${P}/check-runs`));
    assert.equal(gh.statuses.length, 0);
  });

  it('stops waiting for secondary rate limits once the total wait budget is spent', async () => {
    gh.inject('POST', `${P}/check-runs`, { kind: 'secondary', retryAfter: 40 }, 100);
    const octokit = createOctokit('ghs_test', gh.url, FAST);
    const { change, report } = await reviewOf([]);
    await assert.rejects(publishReview(octokit, { ...target, pullNumber: null }, report, change, opts), GithubPublishError);
    // 40 s fits the 60 s budget once; the second 40 s wait would not
    assert.deepEqual(gh.calls(), Array(3).fill(`POST ${P}/check-runs`));
  });

  it('falls back to a commit status (pending, then the verdict) only when check runs are forbidden (403 Resource not accessible by integration)', async () => {
    await restart({ forbidCheckRuns: true });
    const octokit = createOctokit('ghs_test', gh.url, FAST);
    const { change, report } = await reviewOf([], true);
    const res = await publishReview(octokit, target, report, change, opts);
    assert.equal(res.check.kind, 'status');
    assert.deepEqual(
      gh.calls((r) => r.method !== 'GET'),
      [`POST ${P}/check-runs`, `POST ${P}/statuses/${HEAD}`, `POST ${P}/issues/42/comments`, `POST ${P}/statuses/${HEAD}`],
    );
    assert.deepEqual(
      gh.statuses.map((s) => [s.context, s.state]),
      [
        ['bulwark', 'pending'],
        ['bulwark', 'failure'],
      ],
    );
    const status = gh.statuses[1] as Record<string, string>;
    assert.ok(status.description!.length <= 140);
    assert.match(status.description!, /^approval required/);
  });

  it('edits the newest summary written by the token user (personal token), never a planted marker, and does not repeat inline findings', async () => {
    await restart({ user: 'octo-dev' });
    const octokit = createOctokit('ghp_personal', gh.url, FAST);
    const older = gh.addIssueComment(42, `${SUMMARY_MARKER}\nan older run`, { login: 'octo-dev', type: 'User' });
    const own = gh.addIssueComment(42, `${SUMMARY_MARKER}\nthe last run`, { login: 'octo-dev', type: 'User' });
    // newest of all, and a personal token of a maintainer could edit it: it must be left alone
    const planted = gh.addIssueComment(42, `${SUMMARY_MARKER}\nforged by a user`, { login: 'mallory', type: 'User' });
    const first = await reviewOf([finding({ line: 2 })]);
    const r1 = await publishReview(octokit, target, first.report, first.change, opts);
    assert.deepEqual(r1.summaryComment, { id: own.id, action: 'updated' });
    const before = gh.requests.length;
    const second = await reviewOf([finding({ line: 2 }), finding({ line: 4, message: 'New problem', category: 'correctness' })]);
    const r2 = await publishReview(octokit, { ...target, headSha: 'b'.repeat(40) }, second.report, second.change, opts);
    assert.deepEqual(r2.summaryComment, { id: own.id, action: 'updated' });
    const writes = gh.requests.slice(before).filter((r) => r.method !== 'GET');
    assert.deepEqual(
      writes.map((r) => `${r.method} ${r.path}`).filter((c) => c.includes('/issues/')),
      [`PATCH ${P}/issues/comments/${own.id}`],
    );
    assert.equal(gh.issueComments.get(42)!.length, 3, 'no duplicate summary');
    assert.equal(planted.body, `${SUMMARY_MARKER}\nforged by a user`);
    assert.equal(older.body, `${SUMMARY_MARKER}\nan older run`);
    const review = body(writes.find((r) => r.path.endsWith('/reviews'))) as { comments: { line: number }[] };
    assert.deepEqual(
      review.comments.map((c) => c.line),
      [4],
      'the finding posted on the first push is not repeated',
    );
  });

  it('with an installation token (no GET /user) edits the app bot summary, not another bot marker', async () => {
    const octokit = createOctokit('ghs_install', gh.url, FAST);
    const ours = gh.addIssueComment(42, `${SUMMARY_MARKER}\nours`, { login: 'github-actions[bot]', type: 'Bot' });
    const other = gh.addIssueComment(42, `${SUMMARY_MARKER}\nanother app`, { login: 'other-app[bot]', type: 'Bot' });
    const { change, report } = await reviewOf([]);
    const res = await publishReview(octokit, target, report, change, opts);
    assert.deepEqual(res.summaryComment, { id: ours.id, action: 'updated' });
    assert.ok(
      gh.requests.some((r) => r.path === '/user'),
      'asked who it is',
    );
    assert.equal(other.body, `${SUMMARY_MARKER}\nanother app`);
    assert.equal(gh.issueComments.get(42)!.length, 2);
  });

  it('annotates the check run with every finding in batches of 50, outside the diff too, with clamped lines and levels from severity', async () => {
    const octokit = createOctokit('ghs_test', gh.url, FAST);
    const many = Array.from({ length: 117 }, (_, i) =>
      finding({ line: 1 + (i % 4), severity: 'low', category: 'correctness', message: `Problem ${letters(i)}` }),
    );
    const { change, report } = await reviewOf([
      finding({ line: 2, severity: 'critical', message: 'Card number logged' }),
      finding({ line: 99, severity: 'medium', message: 'Past the end' }),
      finding({ file: 'src/elsewhere.py', line: 10, severity: 'info', message: 'Not in the change' }),
      ...many,
    ]);
    const res = await publishReview(octokit, { ...target, pullNumber: null }, report, change, opts);
    assert.equal(res.annotations, 120);
    const runId = gh.checkRuns[0]!.id;
    const patches = gh.requests.filter((r) => r.method === 'PATCH');
    assert.deepEqual(
      patches.map(
        (r) =>
          `${r.path} ${((body(r).output as { annotations?: unknown[] }).annotations ?? []).length} ${typeof body(r).status === 'string' ? (body(r).status as string) : ''}`,
      ),
      [`${P}/check-runs/${runId} 50 `, `${P}/check-runs/${runId} 50 `, `${P}/check-runs/${runId} 20 `, `${P}/check-runs/${runId} 0 completed`],
    );
    const all = gh.checkRuns[0]!.annotations as { path: string; start_line: number; end_line: number; annotation_level: string; message: string }[];
    assert.equal(all.length, 120);
    const byMsg = (m: string) => all.find((a) => a.message.startsWith(m))!;
    assert.deepEqual([byMsg('Card number').annotation_level, byMsg('Card number').start_line], ['failure', 2]);
    const eof = byMsg('Past the end');
    assert.deepEqual([eof.annotation_level, eof.start_line, eof.end_line], ['warning', 4, 4]);
    assert.match(eof.message, /reported at line 99, beyond the end of the file \(4 lines\); shown at its last line/);
    assert.deepEqual(
      [byMsg('Not in the change').path, byMsg('Not in the change').start_line, byMsg('Not in the change').annotation_level],
      ['src/elsewhere.py', 10, 'notice'],
    );
  });

  it('maps exit codes to conclusions: action_required for approval, success for pass; never APPROVE', async () => {
    const octokit = createOctokit('ghs_test', gh.url, FAST);
    const flagged = await reviewOf([], true);
    assert.equal(flagged.report.decision.exitCode, 2);
    await publishReview(octokit, target, flagged.report, flagged.change, opts);
    const pass = await reviewOf([]);
    await publishReview(octokit, { ...target, headSha: 'c'.repeat(40) }, pass.report, pass.change, opts);
    assert.deepEqual(
      gh.checkRuns.map((c) => c.conclusion),
      ['action_required', 'success'],
    );
    assert.ok(!gh.requests.some((r) => (r.body as { event?: string } | null)?.event === 'APPROVE'));
    assert.equal(gh.reviews.length, 0, 'no findings, no review');
  });

  it('GitHub Enterprise: every request goes under the GITHUB_API_URL prefix (publishing, the status fallback, the approval check)', async () => {
    await restart({ prefix: '/api/v3', forbidCheckRuns: true });
    const apiUrl = `${gh.url}/api/v3/`;
    const { change, report } = await reviewOf([finding({ line: 2 })], true);
    await publishReview(createOctokit('ghs_test', apiUrl, FAST), target, report, change, opts);
    await publishApprovalCheck({ repository: 'acme/pay', headSha: HEAD, approved: true, summary: 'approved', token: 'ghs_test', apiUrl });
    assert.ok(gh.requests.length >= 8);
    for (const r of gh.requests) assert.ok(r.path.startsWith('/api/v3/'), `${r.method} ${r.path}`);
    assert.deepEqual(
      gh.statuses.map((s) => s.state),
      ['pending', 'failure', 'success'],
    );
    assert.equal(gh.reviews.length, 1);
  });

  it('gives up on a GitHub API that never answers instead of hanging the check', async () => {
    const hung = await new FakeGithub({ hang: true }).start();
    try {
      const octokit = createOctokit('t', hung.url, { ...FAST, timeoutMs: 300 });
      const { change, report } = await reviewOf([]);
      const started = Date.now();
      await assert.rejects(publishReview(octokit, target, report, change, opts), /timeout/i);
      assert.ok(Date.now() - started < 5_000, 'timeouts are not retried');
    } finally {
      await hung.close();
    }
  });
});
