import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { commentableLines, type Change } from '../domain/change.js';
import type { GithubConfig } from './config.js';
import type { DecidedFinding } from '../domain/verdict.js';
import { GITHUB_COMMENT_LIMIT, mdEscape, renderMarkdown, SUMMARY_MARKER } from './render-markdown.js';
import { hasFileLocation, OUTCOME_LABEL, type ReviewReport } from './report.js';
import { beyondEnd, clampLines, lineCounts } from './lines.js';
import type { Severity } from '../protocol/findings.js';

/**
 * Publishing a review to GitHub: one sticky summary comment (found by its hidden marker and
 * edited in place), new findings as inline comments of a COMMENT review (never APPROVE or
 * REQUEST_CHANGES: the check is the verdict), and a check run named `bulwark`, or a commit status
 * of that name when the token may not create check runs.
 */

export const CHECK_NAME = 'bulwark';
export const FP_MARKER_RE = /<!-- bulwark:fp=(v1:[0-9a-f]{32}) -->/g;

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

/**
 * Limits of the GitHub client. Rate limits are waited out only within a budget a CI job can
 * afford; past it the request fails loudly instead of holding the required check hostage.
 */
export interface GithubLimits {
  /** Deadline of one request (ms); a request that times out is not retried. */
  timeoutMs: number;
  /** Retries of one request after a rate limit (secondary or primary). */
  rateLimitRetries: number;
  /** Total rate-limit wait, in seconds, one client may spend across all its requests. */
  maxWaitSeconds: number;
  /** Retries of one request after a 5xx or a network error (backoff 1, 4, 9 … units). */
  serverErrorRetries: number;
  /** Milliseconds per second of `retry-after` / backoff (1000; tests shrink it). */
  retryUnitMs: number;
  /** Spacing of writes (ms): GitHub asks for at least a second between content-creating requests. */
  writeIntervalMs: number;
}

export const DEFAULT_GITHUB_LIMITS: GithubLimits = {
  timeoutMs: 30_000,
  rateLimitRetries: 3,
  maxWaitSeconds: 60,
  serverErrorRetries: 2,
  retryUnitMs: 1000,
  writeIntervalMs: 1000,
};

const GithubClient = Octokit.plugin(throttling, retry);
export type GithubClient = InstanceType<typeof GithubClient>;

/** A stand-in for the throttling plugin's Bottleneck groups: paces writes, queues nothing else. */
function pacer(intervalMs: number): unknown {
  let next = 0;
  const schedule = async (...args: unknown[]): Promise<unknown> => {
    const fn = args.find((a): a is (...x: unknown[]) => unknown => typeof a === 'function')!;
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + intervalMs;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
    return fn();
  };
  return { key: () => ({ schedule }) };
}

/**
 * The one way Bulwark talks to GitHub (publishing, the approval check, importing approvals):
 * `apiUrl` is the REST base (GitHub Enterprise: https://HOST/api/v3, from GITHUB_API_URL).
 * A secondary rate limit (403/429 with `retry-after`) is retried after that many seconds, a
 * primary one (`x-ratelimit-remaining: 0`) waits until `x-ratelimit-reset`, both at most
 * `rateLimitRetries` times per request and `maxWaitSeconds` in all; 5xx answers are retried with
 * backoff; 4xx answers other than rate limits are never retried.
 */
export function createOctokit(token: string | undefined, apiUrl: string, limits: number | Partial<GithubLimits> = {}): GithubClient {
  const l: GithubLimits = { ...DEFAULT_GITHUB_LIMITS, ...(typeof limits === 'number' ? { timeoutMs: limits } : limits) };
  const quiet = (): void => {};
  const warn = (m: string): void => void process.stderr.write(`bulwark: github: ${m}\n`);
  let waited = 0;
  const onLimit =
    (kind: string) =>
    (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number): boolean => {
      const what = `${kind} rate limit on ${options.method} ${options.url}`;
      if (retryCount >= l.rateLimitRetries) {
        warn(`${what}: giving up after ${retryCount} retries`);
        return false;
      }
      if (waited + retryAfter > l.maxWaitSeconds) {
        warn(`${what}: waiting ${retryAfter}s would exceed the ${l.maxWaitSeconds}s budget (${waited}s spent); giving up`);
        return false;
      }
      waited += retryAfter;
      warn(`${what}: retrying in ${retryAfter}s`);
      return true;
    };
  return new GithubClient({
    ...(token ? { auth: token } : {}),
    baseUrl: apiUrl.replace(/\/+$/, ''),
    userAgent: 'bulwark-review',
    // a hung API must not hang the required check forever: every request gets a deadline. A
    // timeout surfaces as an AbortError, which the retry plugin does not retry: a request that
    // hung once would only hang again, and the check must still be completed in time.
    request: {
      fetch: async (url: string | URL, init?: RequestInit) => {
        try {
          return await fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(l.timeoutMs) });
        } catch (err) {
          if ((err as Error).name === 'TimeoutError')
            throw Object.assign(new Error(`GitHub API timeout: no answer within ${l.timeoutMs} ms`), { name: 'AbortError' });
          throw err;
        }
      },
    },
    throttle: {
      onSecondaryRateLimit: onLimit('secondary'),
      onRateLimit: onLimit('primary'),
      retryAfterBaseValue: l.retryUnitMs,
      // the plugin's own groups are process-wide and pace notifications at 3 s: one pacer per client
      write: pacer(l.writeIntervalMs) as never,
      notifications: pacer(0) as never,
    },
    retry: { retries: l.serverErrorRetries, retryAfterBaseValue: l.retryUnitMs },
    // failed requests surface as thrown errors (some, like a 403 on check runs, are expected);
    // the request-log plugin would print them a second time
    log: { debug: quiet, info: quiet, warn: (m: string) => warn(m), error: quiet },
  });
}

/** 403/429 that is a rate limit (secondary: the message; primary: `x-ratelimit-remaining: 0`). */
export function isRateLimited(err: unknown): boolean {
  const status = httpStatus(err);
  if (status === 429) return true;
  if (status !== 403) return false;
  const e = err as { message?: string; response?: { headers?: Record<string, string | undefined> } };
  return /rate limit/i.test(e.message ?? '') || e.response?.headers?.['x-ratelimit-remaining'] === '0';
}

/**
 * The token may not do this (403 "Resource not accessible by integration", a personal token on
 * an app-only endpoint) or cannot see it (404) — never a rate limit, which is waited out instead.
 */
export function isPermissionError(err: unknown): boolean {
  const status = httpStatus(err);
  return status === 404 || (status === 403 && !isRateLimited(err));
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

export interface NotInline {
  file: string;
  line: number;
  severity: string;
  message: string;
  reason: string;
}

export interface PublishResult {
  summaryComment: { id: number; action: 'created' | 'updated' } | null;
  /** The COMMENT review, or null (none needed, or GitHub refused it and comments went one by one). */
  review: { id: number; comments: number } | null;
  /** After GitHub refused the review (422): comments posted one by one, and how many it refused again. */
  single: { posted: number; refused: number } | null;
  /** Findings not posted inline (outside the diff, beyond the end of a file, over the limit, refused); already-posted ones are not counted. */
  inlineSkipped: number;
  /** The same findings with why; listed in the summary comment too. */
  notInline: NotInline[];
  /** Check-run annotations sent. */
  annotations: number;
  check: { kind: 'check-run' | 'status'; id: number };
  /** Parts of publishing that failed (the check's summary names them too). */
  failures: string[];
}

export interface PublishOptions {
  config: GithubConfig;
  configHash: string;
  /** Link for the check's details (the PR or the CI run). */
  detailsUrl?: string;
}

/** Thrown by `publishReview` when a part failed, after the check (or status) was completed when at all possible. */
export class GithubPublishError extends Error {
  constructor(
    message: string,
    readonly result: Partial<PublishResult>,
  ) {
    super(message);
    this.name = 'GithubPublishError';
  }
}

export function firstLine(err: unknown): string {
  const e = err as { status?: unknown; message?: unknown } | null;
  const msg = String(e?.message ?? err).split('\n')[0]!;
  return typeof e?.status === 'number' ? `${e.status} ${msg}` : msg;
}

/** GitHub's 422 detail ("… must be part of the diff"), for people. */
function validationDetail(err: unknown): string {
  const data = (err as { response?: { data?: { message?: string; errors?: unknown[] } } }).response?.data;
  const parts = (data?.errors ?? []).map((e) =>
    typeof e === 'string' ? e : typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : JSON.stringify(e),
  );
  return [data?.message ?? 'Unprocessable Entity', ...parts].join(': ');
}

/**
 * Publishes in an order that never drops the required check: the `bulwark` check run is created
 * first (in progress), then the inline review and the summary comment, and the check is completed
 * in a `finally` with the verdict's conclusion whatever else failed; the parts that failed are
 * named in its summary and in the thrown `GithubPublishError`. A check run the token may not
 * create (403 without a rate limit, 404) becomes a commit status (pending, then the verdict); any
 * other failure to create it is tried once more at the end, and thrown if that fails too.
 */
export async function publishReview(octokit: Octokit, t: GithubTarget, report: ReviewReport, change: Change, opts: PublishOptions): Promise<PublishResult> {
  const failures: string[] = [];
  const res: Omit<PublishResult, 'check'> & { check: PublishResult['check'] | null } = {
    summaryComment: null,
    review: null,
    single: null,
    inlineSkipped: 0,
    notInline: [],
    annotations: 0,
    check: null,
    failures,
  };
  const check = new CheckPublisher(octokit, t, report, opts);
  try {
    await check.start();
    if (t.pullNumber !== null) {
      let notInline: NotInline[] = [];
      if (opts.config.inline_comments) {
        try {
          const r = await postInline(octokit, t, t.pullNumber, report, change, opts.config.max_inline_comments);
          res.review = r.review;
          res.single = r.single;
          notInline = r.notInline;
          if (r.failure) failures.push(r.failure);
        } catch (err) {
          failures.push(`inline review: ${firstLine(err)}`);
          notInline = inlineCandidates(report, change, new Set(), Infinity).all.map((f) => notInlineOf(f, 'publishing the inline review failed', change));
        }
      }
      res.notInline = notInline;
      res.inlineSkipped = notInline.length;
      try {
        res.summaryComment = await upsertSummary(octokit, t, t.pullNumber, summaryBody(report, notInline), opts.config.bot_login);
      } catch (err) {
        failures.push(`summary comment: ${firstLine(err)}`);
      }
    }
  } catch (err) {
    failures.push(`publishing: ${firstLine(err)}`);
  } finally {
    try {
      const done = await check.complete(failures, annotationsFor(report, change));
      res.check = done.check;
      res.annotations = done.annotations;
    } catch (err) {
      failures.push(`check: ${firstLine(err)}`);
    }
  }
  if (failures.length > 0 || res.check === null) throw new GithubPublishError(failures.join('; '), res as Partial<PublishResult>);
  return res as PublishResult;
}

/** The bot login GITHUB_TOKEN writes as; another GitHub App's is "<app-slug>[bot]" (`bot_login`). */
export const DEFAULT_BOT_LOGIN = 'github-actions[bot]';

/**
 * Who this token writes as: its own user (GET /user), or for an app installation token, which
 * may not read /user (403 "Resource not accessible by integration"), the app's bot login.
 */
async function ownLogin(octokit: Octokit, botLogin: string): Promise<string> {
  try {
    return (await octokit.rest.users.getAuthenticated()).data.login;
  } catch (err) {
    if (isPermissionError(err) || httpStatus(err) === 401) return botLogin;
    throw err;
  }
}

/** The sticky summary: the Markdown report, plus the findings that could not be posted inline (with why). */
export function summaryBody(report: ReviewReport, notInline: NotInline[]): string {
  const body = renderMarkdown(report, { marker: SUMMARY_MARKER });
  if (notInline.length === 0) return body;
  const MAX = 50;
  const lines = ['', '### Findings not shown inline', ''];
  for (const n of notInline.slice(0, MAX)) {
    const loc = n.line > 0 ? `${n.file}:${n.line}` : n.file;
    const msg = n.message.length > 200 ? n.message.slice(0, 200) + '…' : n.message;
    lines.push(`- \`${loc.replace(/[`\r\n]/g, "'")}\` (${n.severity}): ${mdEscape(msg)} — ${mdEscape(n.reason)}`);
  }
  if (notInline.length > MAX)
    lines.push(`- … and ${notInline.length - MAX} more (all are in the JSON and SARIF outputs, and on GitHub in the check run's annotations)`);
  const section = lines.join('\n') + '\n';
  // within GitHub's comment limit: the findings table above already shows the worst findings
  if (body.length + section.length > GITHUB_COMMENT_LIMIT) return body;
  const footer = body.lastIndexOf('\n<sub>bulwark ');
  return footer < 0 ? body + section : body.slice(0, footer) + section + body.slice(footer);
}

async function upsertSummary(
  octokit: Octokit,
  t: GithubTarget,
  issue: number,
  body: string,
  botLogin: string,
): Promise<NonNullable<PublishResult['summaryComment']>> {
  const me = (await ownLogin(octokit, botLogin)).toLowerCase();
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner: t.owner, repo: t.repo, issue_number: issue, per_page: 100 });
  // Anyone can paste the marker into a comment of their own, and a maintainer's token could even
  // edit it: only a comment this token's identity wrote is ours, whatever its author type. If an
  // earlier run left several, the newest is edited.
  const mine = comments
    .filter((c) => (c.body ?? '').includes(SUMMARY_MARKER) && c.user?.login?.toLowerCase() === me)
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)[0];
  if (mine) {
    await octokit.rest.issues.updateComment({ owner: t.owner, repo: t.repo, comment_id: mine.id, body });
    return { id: mine.id, action: 'updated' };
  }
  const { data } = await octokit.rest.issues.createComment({ owner: t.owner, repo: t.repo, issue_number: issue, body });
  const wrote = data.user?.login;
  if (wrote && wrote.toLowerCase() !== me) {
    process.stderr.write(
      `bulwark: github: the summary comment was written as ${wrote}, not ${me}; set [review.github] bot_login = "${wrote}" so the next push edits it\n`,
    );
  }
  return { id: data.id, action: 'created' };
}

/** One finding as an inline comment, with its fingerprint in a hidden marker so a later push does not post it again. */
export function inlineBody(f: DecidedFinding): string {
  const parts = [`**${f.severity.toUpperCase()}**${f.blocking ? ' (blocking)' : ''} · ${mdEscape(f.category)}: ${mdEscape(f.message)}`];
  if (f.suggestion !== undefined) parts.push('', '```suggestion', f.suggestion.replace(/```/g, "'''"), '```');
  parts.push('', `<sub>bulwark · ${mdEscape(f.stage)}${f.ruleId ? ` · ${mdEscape(f.ruleId)}` : ''} · confidence ${f.confidence.toFixed(2)}</sub>`);
  parts.push(`<!-- bulwark:fp=${f.fingerprint} -->`);
  return parts.join('\n');
}

interface InlineComment {
  path: string;
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
  body: string;
}

export function notInlineOf(f: DecidedFinding, reason: string, change: Change): NotInline {
  const eof = beyondEnd(f, lineCounts(change));
  return { file: f.file, line: f.line, severity: f.severity, message: f.message, reason: eof ? `${reason}; ${eof}` : reason };
}

/** Splits new findings into inline comments and the rest (with why); already-posted ones are neither. */
export function inlineCandidates(
  report: ReviewReport,
  change: Change,
  posted: Set<string>,
  max: number,
): { comments: { c: InlineComment; f: DecidedFinding }[]; rest: NotInline[]; all: DecidedFinding[] } {
  const files = new Map(change.files.map((f) => [f.path, f]));
  const counts = lineCounts(change);
  const comments: { c: InlineComment; f: DecidedFinding }[] = [];
  const rest: NotInline[] = [];
  const all: DecidedFinding[] = [];
  const seen = new Set(posted);
  for (const f of report.findings) {
    if (seen.has(f.fingerprint)) continue;
    seen.add(f.fingerprint);
    all.push(f);
    const file = files.get(f.file);
    const lines = file ? commentableLines(file) : new Set<number>();
    let reason: string | null = null;
    if (!hasFileLocation(f)) reason = 'not about a file';
    else if (f.line <= 0) reason = 'about the whole file';
    else if (beyondEnd(f, counts)) reason = 'no such line';
    else if (!lines.has(f.line)) reason = 'outside the diff';
    else if (comments.length >= max) reason = `over max_inline_comments (${max})`;
    if (reason !== null) {
      rest.push(notInlineOf(f, reason, change));
      continue;
    }
    const c: InlineComment = { path: f.file, line: f.line, side: 'RIGHT', body: inlineBody(f) };
    if (f.endLine !== undefined && f.endLine > f.line && lines.has(f.endLine)) {
      c.start_line = f.line;
      c.start_side = 'RIGHT';
      c.line = f.endLine;
    }
    comments.push({ c, f });
  }
  return { comments, rest, all };
}

/**
 * One COMMENT review with every new finding on a line of the diff. When GitHub refuses the review
 * (422: its diff disagrees about a line, e.g. after a force-push), each comment is posted on its
 * own so the valid ones still land; those refused again are returned for the summary.
 */
async function postInline(
  octokit: Octokit,
  t: GithubTarget,
  pull: number,
  report: ReviewReport,
  change: Change,
  max: number,
): Promise<{ review: PublishResult['review']; single: PublishResult['single']; notInline: NotInline[]; failure: string | null }> {
  const existing = await octokit.paginate(octokit.rest.pulls.listReviewComments, { owner: t.owner, repo: t.repo, pull_number: pull, per_page: 100 });
  const posted = new Set<string>();
  for (const c of existing) for (const m of (c.body ?? '').matchAll(FP_MARKER_RE)) posted.add(m[1]!);
  const { comments, rest } = inlineCandidates(report, change, posted, max);
  if (comments.length === 0) return { review: null, single: null, notInline: rest, failure: null };
  try {
    const { data } = await octokit.rest.pulls.createReview({
      owner: t.owner,
      repo: t.repo,
      pull_number: pull,
      commit_id: t.headSha,
      event: 'COMMENT',
      body: `Bulwark: ${comments.length} new finding${comments.length === 1 ? '' : 's'} on this push (verdict: ${OUTCOME_LABEL[report.decision.outcome]}; see the \`bulwark\` check).`,
      comments: comments.map((x) => x.c),
    });
    return { review: { id: data.id, comments: comments.length }, single: null, notInline: rest, failure: null };
  } catch (err) {
    if (httpStatus(err) !== 422) throw err;
  }
  const single = { posted: 0, refused: 0 };
  let failure: string | null = null;
  for (const { c, f } of comments) {
    if (failure !== null) {
      rest.push(notInlineOf(f, 'not posted: publishing inline comments failed', change));
      continue;
    }
    try {
      await octokit.rest.pulls.createReviewComment({ owner: t.owner, repo: t.repo, pull_number: pull, commit_id: t.headSha, ...c });
      single.posted++;
    } catch (err) {
      if (httpStatus(err) === 422) {
        single.refused++;
        rest.push(notInlineOf(f, `GitHub refused the inline comment (${validationDetail(err)})`, change));
      } else {
        failure = `inline comment: ${firstLine(err)}`;
        rest.push(notInlineOf(f, 'not posted: publishing inline comments failed', change));
      }
    }
  }
  return { review: null, single, notInline: rest, failure };
}

const ANNOTATION_LEVEL: Record<Severity, 'failure' | 'warning' | 'notice'> = {
  critical: 'failure',
  high: 'failure',
  medium: 'warning',
  low: 'notice',
  info: 'notice',
};
/** GitHub accepts at most 50 annotations per check-run create/update request. */
export const ANNOTATIONS_PER_REQUEST = 50;

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  message: string;
  title: string;
}

/**
 * One annotation per finding that names a file, inside the diff or not (annotations may point
 * anywhere in the repository). Lines are clamped to 1 … the file's length when the change shows
 * it; a finding beyond the end points at the last line and says so.
 */
export function annotationsFor(report: ReviewReport, change: Change): CheckAnnotation[] {
  const counts = lineCounts(change);
  const out: CheckAnnotation[] = [];
  for (const f of report.findings) {
    if (!hasFileLocation(f)) continue;
    const { start, end, note } = clampLines(f, counts.get(f.file));
    out.push({
      path: f.file,
      start_line: start,
      end_line: end,
      annotation_level: ANNOTATION_LEVEL[f.severity],
      message: (note ? `${f.message}\n\n(${note})` : f.message).slice(0, 60_000),
      title: `${f.severity}${f.blocking ? ' (blocking)' : ''} · ${f.category}`.slice(0, 255),
    });
  }
  return out;
}

/** The required check: a check run, or a commit status when the token may not create check runs. */
class CheckPublisher {
  private runId: number | null = null;
  private mode: 'check-run' | 'status';
  private startError: string | null = null;

  constructor(
    private readonly octokit: Octokit,
    private readonly t: GithubTarget,
    private readonly report: ReviewReport,
    private readonly opts: PublishOptions,
  ) {
    this.mode = opts.config.check_run ? 'check-run' : 'status';
  }

  private get title(): string {
    const r = this.report;
    return `${OUTCOME_LABEL[r.decision.outcome]}: ${r.counts.total} finding${r.counts.total === 1 ? '' : 's'} (${r.counts.blocking} blocking)`;
  }

  async start(): Promise<void> {
    const { t, opts } = this;
    if (this.mode === 'check-run') {
      try {
        const { data } = await this.octokit.rest.checks.create({
          owner: t.owner,
          repo: t.repo,
          name: CHECK_NAME,
          head_sha: t.headSha,
          status: 'in_progress',
          external_id: runKey(opts.configHash, this.report.decision.exitCode),
          output: { title: 'Publishing the review', summary: `Verdict: ${this.title}. Posting comments…` },
          ...(opts.detailsUrl ? { details_url: opts.detailsUrl } : {}),
        });
        this.runId = data.id;
        return;
      } catch (err) {
        // a rate limit past its budget or a 5xx is not "no permission": tried again at the end
        if (!isPermissionError(err)) {
          this.startError = firstLine(err);
          return;
        }
        // GITHUB_TOKEN without checks: write, or a token that is not a GitHub App
        this.mode = 'status';
      }
    }
    try {
      await this.status('pending', `publishing: ${this.title}`);
    } catch (err) {
      this.startError = firstLine(err);
    }
  }

  private async status(state: 'pending' | 'success' | 'failure' | 'error', text: string): Promise<number> {
    const key = runKey(this.opts.configHash.slice(0, 12), this.report.decision.exitCode);
    const { data } = await this.octokit.rest.repos.createCommitStatus({
      owner: this.t.owner,
      repo: this.t.repo,
      sha: this.t.headSha,
      state,
      context: CHECK_NAME,
      description: `${text.slice(0, 140 - key.length - 3)} [${key}]`,
      ...(this.opts.detailsUrl ? { target_url: this.opts.detailsUrl } : {}),
    });
    return data.id;
  }

  /** Completes the check with the verdict: annotation batches first, so the completion is the last word. */
  async complete(failures: string[], annotations: CheckAnnotation[]): Promise<{ check: PublishResult['check']; annotations: number }> {
    const { t, report, opts } = this;
    const exit = report.decision.exitCode;
    const title = this.title;
    if (this.mode === 'status') {
      const id = await this.status(statusStateFor(exit), failures.length > 0 ? `${title}; publishing partly failed` : title);
      return { check: { kind: 'status', id }, annotations: 0 };
    }
    let sent = 0;
    if (this.runId !== null) {
      for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
        const batch = annotations.slice(i, i + ANNOTATIONS_PER_REQUEST);
        try {
          await this.octokit.rest.checks.update({
            owner: t.owner,
            repo: t.repo,
            check_run_id: this.runId,
            output: { title: 'Publishing the review', summary: `Verdict: ${title}. Adding annotations…`, annotations: batch },
          });
          sent += batch.length;
        } catch (err) {
          failures.push(`check annotations ${i + 1}-${i + batch.length}: ${firstLine(err)}`);
          break;
        }
      }
    }
    const failed =
      failures.length > 0 ? `\n\n> **Publishing partly failed** (the verdict stands):\n${failures.map((f) => `> - ${mdEscape(f)}`).join('\n')}\n` : '';
    const output = { title, summary: renderMarkdown(report).slice(0, 60_000) + failed };
    if (this.runId !== null) {
      await this.octokit.rest.checks.update({
        owner: t.owner,
        repo: t.repo,
        check_run_id: this.runId,
        status: 'completed',
        conclusion: conclusionFor(exit),
        output,
      });
      return { check: { kind: 'check-run', id: this.runId }, annotations: sent };
    }
    // the in-progress run could not be created: one more try, completed, with one batch of annotations
    try {
      const first = annotations.slice(0, ANNOTATIONS_PER_REQUEST);
      const { data } = await this.octokit.rest.checks.create({
        owner: t.owner,
        repo: t.repo,
        name: CHECK_NAME,
        head_sha: t.headSha,
        status: 'completed',
        conclusion: conclusionFor(exit),
        external_id: runKey(opts.configHash, exit),
        output: { ...output, annotations: first },
        ...(opts.detailsUrl ? { details_url: opts.detailsUrl } : {}),
      });
      return { check: { kind: 'check-run', id: data.id }, annotations: first.length };
    } catch (err) {
      if (!isPermissionError(err)) throw new Error(`the check run could not be created (${this.startError ?? 'first try'}; then ${firstLine(err)})`);
    }
    const id = await this.status(statusStateFor(exit), failures.length > 0 ? `${title}; publishing partly failed` : title);
    return { check: { kind: 'status', id }, annotations: 0 };
  }
}
