import { Octokit } from '@octokit/rest';
import { commentableLines, type Change } from '../domain/change.js';
import type { GithubConfig } from './config.js';
import type { DecidedFinding } from '../domain/verdict.js';
import { mdEscape, renderMarkdown, SUMMARY_MARKER } from './render-markdown.js';
import { hasFileLocation, OUTCOME_LABEL, type ReviewReport } from './report.js';

/**
 * Publishing a review to GitHub: one sticky summary comment (found by its hidden marker and
 * edited in place), new findings as inline comments of a COMMENT review (never APPROVE or
 * REQUEST_CHANGES: the check is the verdict), and a check run named `bulwark`, or a commit status
 * of that name when the token may not create check runs.
 */

export const CHECK_NAME = 'bulwark';
const FP_MARKER_RE = /<!-- bulwark:fp=(v1:[0-9a-f]{32}) -->/g;

export interface GithubTarget {
  owner: string;
  repo: string;
  /** null when there is no pull request (e.g. a push): only the check is published. */
  pullNumber: number | null;
  headSha: string;
}

export function parseRepository(full: string): { owner: string; repo: string } {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(full);
  if (!m) throw new Error(`not an owner/name repository: ${JSON.stringify(full)}`);
  return { owner: m[1]!, repo: m[2]! };
}

export function createOctokit(token: string, apiUrl: string, timeoutMs = 30_000): Octokit {
  const quiet = (): void => {};
  return new Octokit({
    auth: token,
    baseUrl: apiUrl.replace(/\/+$/, ''),
    userAgent: 'bulwark-review',
    // a hung API must not hang the required check forever: every request gets a deadline
    request: { retries: 0, fetch: (url: string | URL, init?: RequestInit) => fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) }) },
    // failed requests surface as thrown errors (some, like a 403 on check runs, are expected);
    // the request-log plugin would print them a second time
    log: { debug: quiet, info: quiet, warn: (m: string) => process.stderr.write(`bulwark: github: ${m}\n`), error: quiet },
  });
}

/** Check-run conclusion for an exit code: pass, blocking, approval required, or error. */
export function conclusionFor(exitCode: number): 'success' | 'failure' | 'action_required' {
  if (exitCode === 0) return 'success';
  if (exitCode === 2) return 'action_required';
  return 'failure';
}

function statusStateFor(exitCode: number): 'success' | 'failure' | 'error' {
  if (exitCode === 0) return 'success';
  if (exitCode === 1 || exitCode === 2) return 'failure';
  return 'error';
}

/**
 * Says on the check run / status which configuration reviewed the head and what it decided, for
 * people reading GitHub. Bulwark never reads it back: anyone with `checks`/`statuses` permission
 * could write one (a re-run takes the earlier verdict from the audit log instead).
 */
export function runKey(configHash: string, exitCode: number): string {
  return `bulwark:${configHash.slice(0, 32)}:exit=${exitCode}`;
}
function httpStatus(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'status' in err ? Number(err.status) : undefined;
}

export interface PublishResult {
  summaryComment: { id: number; action: 'created' | 'updated' } | null;
  review: { id: number; comments: number } | null;
  /** findings not posted inline: outside the diff hunks, already posted, or over the limit */
  inlineSkipped: number;
  check: { kind: 'check-run' | 'status'; id: number };
}

export interface PublishOptions {
  config: GithubConfig;
  configHash: string;
  /** Link for the check's details (the PR or the CI run). */
  detailsUrl?: string;
}

export async function publishReview(octokit: Octokit, t: GithubTarget, report: ReviewReport, change: Change, opts: PublishOptions): Promise<PublishResult> {
  let summaryComment: PublishResult['summaryComment'] = null;
  let review: PublishResult['review'] = null;
  let inlineSkipped = 0;
  if (t.pullNumber !== null) {
    summaryComment = await upsertSummary(octokit, t, t.pullNumber, renderMarkdown(report, { marker: SUMMARY_MARKER }));
    if (opts.config.inline_comments) {
      const r = await postInlineReview(octokit, t, t.pullNumber, report, change, opts.config.max_inline_comments);
      review = r.review;
      inlineSkipped = r.skipped;
    }
  }
  const check = await publishCheck(octokit, t, report, opts);
  return { summaryComment, review, inlineSkipped, check };
}

async function upsertSummary(octokit: Octokit, t: GithubTarget, issue: number, body: string): Promise<NonNullable<PublishResult['summaryComment']>> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner: t.owner, repo: t.repo, issue_number: issue, per_page: 100 });
  // Only a bot's comment counts: anyone can paste the marker into a comment of their own.
  const mine = comments.find((c) => (c.body ?? '').includes(SUMMARY_MARKER) && c.user?.type === 'Bot');
  if (mine) {
    try {
      await octokit.rest.issues.updateComment({ owner: t.owner, repo: t.repo, comment_id: mine.id, body });
      return { id: mine.id, action: 'updated' };
    } catch (err) {
      if (httpStatus(err) !== 403 && httpStatus(err) !== 404) throw err;
      // someone else's bot: fall through and create our own
    }
  }
  const { data } = await octokit.rest.issues.createComment({ owner: t.owner, repo: t.repo, issue_number: issue, body });
  return { id: data.id, action: 'created' };
}

function inlineBody(f: DecidedFinding): string {
  const parts = [`**${f.severity.toUpperCase()}**${f.blocking ? ' (blocking)' : ''} · ${mdEscape(f.category)}: ${mdEscape(f.message)}`];
  if (f.suggestion !== undefined) parts.push('', '```suggestion', f.suggestion.replace(/```/g, "'''"), '```');
  parts.push('', `<sub>bulwark · ${mdEscape(f.stage)}${f.ruleId ? ` · ${mdEscape(f.ruleId)}` : ''} · confidence ${f.confidence.toFixed(2)}</sub>`);
  parts.push(`<!-- bulwark:fp=${f.fingerprint} -->`);
  return parts.join('\n');
}

async function postInlineReview(
  octokit: Octokit,
  t: GithubTarget,
  pull: number,
  report: ReviewReport,
  change: Change,
  max: number,
): Promise<{ review: PublishResult['review']; skipped: number }> {
  const existing = await octokit.paginate(octokit.rest.pulls.listReviewComments, { owner: t.owner, repo: t.repo, pull_number: pull, per_page: 100 });
  const posted = new Set<string>();
  for (const c of existing) for (const m of (c.body ?? '').matchAll(FP_MARKER_RE)) posted.add(m[1]!);
  const files = new Map(change.files.map((f) => [f.path, f]));
  const comments: { path: string; line: number; side: 'RIGHT'; start_line?: number; start_side?: 'RIGHT'; body: string }[] = [];
  let skipped = 0;
  for (const f of report.findings) {
    const file = files.get(f.file);
    const lines = file ? commentableLines(file) : new Set<number>();
    if (!hasFileLocation(f) || f.line <= 0 || !lines.has(f.line) || posted.has(f.fingerprint) || comments.length >= max) {
      skipped++;
      continue;
    }
    const c: (typeof comments)[number] = { path: f.file, line: f.line, side: 'RIGHT', body: inlineBody(f) };
    if (f.endLine !== undefined && f.endLine > f.line && lines.has(f.endLine)) {
      c.start_line = f.line;
      c.start_side = 'RIGHT';
      c.line = f.endLine;
    }
    comments.push(c);
    posted.add(f.fingerprint);
  }
  if (comments.length === 0) return { review: null, skipped };
  const { data } = await octokit.rest.pulls.createReview({
    owner: t.owner,
    repo: t.repo,
    pull_number: pull,
    commit_id: t.headSha,
    event: 'COMMENT',
    body: `Bulwark: ${comments.length} new finding${comments.length === 1 ? '' : 's'} on this push (verdict: ${OUTCOME_LABEL[report.decision.outcome]}; see the \`bulwark\` check).`,
    comments,
  });
  return { review: { id: data.id, comments: comments.length }, skipped };
}

async function publishCheck(octokit: Octokit, t: GithubTarget, report: ReviewReport, opts: PublishOptions): Promise<PublishResult['check']> {
  const exit = report.decision.exitCode;
  const title = `${OUTCOME_LABEL[report.decision.outcome]}: ${report.counts.total} finding${report.counts.total === 1 ? '' : 's'} (${report.counts.blocking} blocking)`;
  if (opts.config.check_run) {
    try {
      const output = { title, summary: renderMarkdown(report).slice(0, 60_000) };
      const params = {
        owner: t.owner,
        repo: t.repo,
        name: CHECK_NAME,
        head_sha: t.headSha,
        status: 'completed' as const,
        conclusion: conclusionFor(exit),
        external_id: runKey(opts.configHash, exit),
        output,
        ...(opts.detailsUrl ? { details_url: opts.detailsUrl } : {}),
      };
      const { data } = await octokit.rest.checks.create(params);
      return { kind: 'check-run', id: data.id };
    } catch (err) {
      // GITHUB_TOKEN without checks: write, or a token that is not a GitHub App: use a status
      if (httpStatus(err) !== 403 && httpStatus(err) !== 404) throw err;
    }
  }
  const key = runKey(opts.configHash.slice(0, 12), exit);
  const description = `${title.slice(0, 140 - key.length - 3)} [${key}]`;
  const { data } = await octokit.rest.repos.createCommitStatus({
    owner: t.owner,
    repo: t.repo,
    sha: t.headSha,
    state: statusStateFor(exit),
    context: CHECK_NAME,
    description,
    ...(opts.detailsUrl ? { target_url: opts.detailsUrl } : {}),
  });
  return { kind: 'status', id: data.id };
}
