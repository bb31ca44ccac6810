import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { defaultReviewConfig } from '../../src/review/config.js';
import { planCoverage } from '../../src/review/coverage.js';
import { createOctokit, publishReview, type GithubTarget } from '../../src/review/github.js';
import { decide } from '../../src/domain/verdict.js';
import { SUMMARY_MARKER } from '../../src/review/render-markdown.js';
import { buildReport } from '../../src/review/report.js';
import type { Finding } from '../../src/protocol/findings.js';
import { FakeGithub } from '../helpers/fake-github.js';
import { changeOf, finding } from './helpers.js';

const config = defaultReviewConfig();
const HEAD = 'a'.repeat(40);
const CONFIG_HASH = 'c0ffee'.repeat(10).slice(0, 64);
const target: GithubTarget = { owner: 'acme', repo: 'pay', pullNumber: 42, headSha: HEAD };

async function reviewOf(findings: Finding[], gateFlagged = false) {
  const change = changeOf({ 'src/pay.py': ['def pay(amount):', '    charge(amount)', '    return True', 'x = 1'] });
  const gate = gateFlagged ? { flagged: true, reasons: [{ kind: 'zone', message: 'touches zone payments' }] } : null;
  const decision = decide({ findings, config, gate, errors: [], change });
  const report = await buildReport({ runId: 'r1', change, decision, gate: gate ? { ...gate, paths: [], zones: [] } : null, coverage: planCoverage(change, { config }).record, maxFindings: 10 });
  return { change, report };
}

describe('GitHub publishing against a fake REST server', () => {
  let gh: FakeGithub;
  beforeEach(async () => {
    gh = await new FakeGithub().start();
  });
  afterEach(async () => {
    await gh.close();
  });

  it('creates the sticky summary, a COMMENT review for in-hunk findings, and a failing check run', async () => {
    const octokit = createOctokit('test-token', gh.url);
    const { change, report } = await reviewOf([
      finding({ line: 2, message: 'Amount is not validated' }),
      finding({ line: 2, endLine: 3, severity: 'medium', category: 'correctness', message: 'Return value ignored' }),
      finding({ line: 99, severity: 'low', message: 'Outside the diff' }),
    ]);
    const res = await publishReview(octokit, target, report, change, { config: config.github, configHash: CONFIG_HASH, detailsUrl: 'https://github.example/acme/pay/pull/42' });
    assert.equal(res.summaryComment?.action, 'created');
    assert.equal(res.review?.comments, 2);
    assert.equal(res.inlineSkipped, 1);
    assert.equal(res.check.kind, 'check-run');

    const writes = gh.writes().map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(writes, ['POST /repos/acme/pay/issues/42/comments', 'POST /repos/acme/pay/pulls/42/reviews', 'POST /repos/acme/pay/check-runs']);
    for (const r of gh.requests) assert.equal(r.authorization, 'token test-token');

    const [comment, reviewReq, checkReq] = gh.writes();
    assert.ok((comment!.body as { body: string }).body.startsWith(SUMMARY_MARKER + '\n## '));
    const review = reviewReq!.body as { commit_id: string; event: string; comments: Record<string, unknown>[] };
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
    const check = checkReq!.body as Record<string, unknown>;
    assert.equal(check.name, 'bulwark');
    assert.equal(check.head_sha, HEAD);
    assert.equal(check.status, 'completed');
    assert.equal(check.conclusion, 'failure');
    assert.equal(check.external_id, `bulwark:${CONFIG_HASH.slice(0, 32)}:exit=1`);
    assert.equal(check.details_url, 'https://github.example/acme/pay/pull/42');
  });

  it('edits the summary in place on the next push and does not repeat inline findings', async () => {
    const octokit = createOctokit('t', gh.url);
    gh.addIssueComment(42, `${SUMMARY_MARKER}\nforged by a user`, { login: 'mallory', type: 'User' });
    const first = await reviewOf([finding({ line: 2 })]);
    await publishReview(octokit, target, first.report, first.change, { config: config.github, configHash: CONFIG_HASH });
    const summaryId = gh.issueComments.get(42)!.find((c) => c.user.type === 'Bot')!.id;
    const before = gh.requests.length;
    const second = await reviewOf([finding({ line: 2 }), finding({ line: 4, message: 'New problem', category: 'correctness' })]);
    const res = await publishReview(octokit, { ...target, headSha: 'b'.repeat(40) }, second.report, second.change, { config: config.github, configHash: CONFIG_HASH });
    const writes = gh.requests.slice(before).filter((r) => r.method !== 'GET');
    assert.equal(writes[0]!.method, 'PATCH');
    assert.equal(writes[0]!.path, `/repos/acme/pay/issues/comments/${summaryId}`);
    assert.equal(res.summaryComment?.action, 'updated');
    assert.equal(gh.issueComments.get(42)!.find((c) => c.user.login === 'mallory')!.body, `${SUMMARY_MARKER}\nforged by a user`, 'a user comment with the marker is never touched');
    const review = writes[1]!.body as { comments: { line: number }[] };
    assert.deepEqual(review.comments.map((c) => c.line), [4], 'the finding posted on the first push is not repeated');
  });

  it('maps exit codes to conclusions: action_required for approval, success for pass; never APPROVE', async () => {
    const octokit = createOctokit('t', gh.url);
    const flagged = await reviewOf([], true);
    assert.equal(flagged.report.decision.exitCode, 2);
    await publishReview(octokit, target, flagged.report, flagged.change, { config: config.github, configHash: CONFIG_HASH });
    const pass = await reviewOf([]);
    await publishReview(octokit, { ...target, headSha: 'c'.repeat(40) }, pass.report, pass.change, { config: config.github, configHash: CONFIG_HASH });
    assert.deepEqual(gh.checkRuns.map((c) => c.conclusion), ['action_required', 'success']);
    assert.ok(!gh.requests.some((r) => (r.body as { event?: string } | null)?.event === 'APPROVE'));
    assert.equal(gh.reviews.length, 0, 'no findings, no review');
  });

  it('falls back to a commit status named bulwark when check runs are forbidden', async () => {
    await gh.close();
    gh = await new FakeGithub({ forbidCheckRuns: true }).start();
    const octokit = createOctokit('t', gh.url);
    const { change, report } = await reviewOf([], true);
    const res = await publishReview(octokit, target, report, change, { config: config.github, configHash: CONFIG_HASH });
    assert.equal(res.check.kind, 'status');
    const status = gh.writes().find((r) => r.path === `/repos/acme/pay/statuses/${HEAD}`)!.body as Record<string, string>;
    assert.equal(status.context, 'bulwark');
    assert.equal(status.state, 'failure');
    assert.ok(status.description!.length <= 140);
    assert.match(status.description!, /^approval required/);
  });

  it('gives up on a GitHub API that never answers instead of hanging the check', async () => {
    const hung = await new FakeGithub({ hang: true }).start();
    try {
      const octokit = createOctokit('t', hung.url, 300);
      const { change, report } = await reviewOf([]);
      await assert.rejects(publishReview(octokit, target, report, change, { config: config.github, configHash: CONFIG_HASH }), /abort|timeout/i);
    } finally {
      await hung.close();
    }
  });
});
