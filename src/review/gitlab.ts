import { Gitlab } from '@gitbeaker/rest';
import type { Change, ChangedFile } from '../domain/change.js';
import type { DecidedFinding } from '../domain/verdict.js';
import type { GitlabConfig } from './config.js';
import { FP_MARKER_RE, inlineBody, inlineCandidates, notInlineOf, summaryBody, type NotInline } from './github.js';
import { SUMMARY_MARKER } from './render-markdown.js';
import { OUTCOME_LABEL, type ReviewReport } from './report.js';

/**
 * Publishing a review to a GitLab merge request through the REST API v4: one summary note found
 * by its hidden marker among the notes the token's own user wrote and edited in place, new
 * findings as inline discussions on diff lines, and a commit status named `bulwark` (running
 * first, then the verdict) that is completed whatever else failed.
 *
 * Every endpoint used here (GET /user, MR notes and discussions, POST statuses) needs a personal,
 * project or group access token with the `api` scope: none is on the list of endpoints a CI/CD
 * job token (CI_JOB_TOKEN) may call.
 */

export const STATUS_NAME = 'bulwark';

export type GitlabClient = InstanceType<typeof Gitlab<false>>;

export interface GitlabTarget {
  /** Numeric project id or the project's full path (`group/project`). */
  project: string | number;
  /** null without a merge request (e.g. a branch pipeline): only the commit status is published. */
  mrIid: number | null;
  headSha: string;
  /** The pipeline the status joins (CI_PIPELINE_ID); without it GitLab finds or makes one. */
  pipelineId?: number;
  /** Branch the status refers to, when no pipeline is given. */
  ref?: string;
}

/** The API base URL as GitLab CI gives it (CI_API_V4_URL: `https://HOST[/PATH]/api/v4`). */
export function gitlabHost(apiUrl: string): string {
  const trimmed = apiUrl.replace(/\/+$/, '');
  if (!/\/api\/v4$/.test(trimmed)) throw new Error(`not a GitLab REST API v4 URL (it must end in /api/v4): ${JSON.stringify(apiUrl)}`);
  return trimmed.slice(0, -'/api/v4'.length);
}

/** The token is sent as PRIVATE-TOKEN; each request gets a deadline so a hung API cannot hold the status hostage. */
export function createGitlab(token: string, apiUrl: string, timeoutMs = 30_000): GitlabClient {
  return new Gitlab({ host: gitlabHost(apiUrl), token, queryTimeout: timeoutMs });
}

export interface GitlabPublishResult {
  summaryNote: { id: number; action: 'created' | 'updated' } | null;
  /** Inline discussions posted, and how many GitLab refused (400: the position is not on the diff). */
  discussions: { posted: number; refused: number };
  /** Findings not posted inline, with why; listed in the summary note too. */
  notInline: NotInline[];
  status: { id: number; state: 'success' | 'failed' };
  failures: string[];
}

export interface GitlabPublishOptions {
  config: GitlabConfig;
  /** Link on the commit status (the merge request or the CI job). */
  detailsUrl?: string;
}

export class GitlabPublishError extends Error {
  constructor(
    message: string,
    readonly result: Partial<GitlabPublishResult>,
  ) {
    super(message);
    this.name = 'GitlabPublishError';
  }
}

function httpStatus(err: unknown): number | undefined {
  const s = (err as { cause?: { response?: { status?: unknown } } } | null)?.cause?.response?.status;
  return typeof s === 'number' ? s : undefined;
}

/** GitLab's own `message`, prefixed with the HTTP status unless it already starts with it. */
function gitlabError(err: unknown): string {
  const msg = String((err as { message?: unknown } | null)?.message ?? err).split('\n')[0]!;
  const status = httpStatus(err);
  return status !== undefined && !msg.startsWith(String(status)) ? `${status} ${msg}` : msg;
}

export function statusStateFor(exitCode: number): 'success' | 'failed' {
  // "approval required" (2) must keep the merge blocked until a re-run finds the approvals
  return exitCode === 0 ? 'success' : 'failed';
}

function titleOf(report: ReviewReport): string {
  const c = report.counts;
  return `${OUTCOME_LABEL[report.decision.outcome]}: ${c.total} finding${c.total === 1 ? '' : 's'} (${c.blocking} blocking)`;
}

/** GitLab keeps at most 255 characters of a status description. */
const DESCRIPTION_LIMIT = 255;

export async function postGitlabStatus(
  api: GitlabClient,
  t: GitlabTarget,
  state: 'running' | 'success' | 'failed',
  description: string,
  detailsUrl?: string,
): Promise<number> {
  const text = description.length <= DESCRIPTION_LIMIT ? description : description.slice(0, DESCRIPTION_LIMIT - 1) + '…';
  const res = await api.Commits.editStatus(t.project, t.headSha, state, {
    name: STATUS_NAME,
    description: text,
    ...(detailsUrl ? { targetUrl: detailsUrl } : {}),
    ...(t.pipelineId !== undefined ? { pipelineId: t.pipelineId } : t.ref ? { ref: t.ref } : {}),
  });
  return Number(res.id);
}

/**
 * Publishes in an order that never leaves the `bulwark` status missing: it is set to running
 * first, then the inline discussions and the summary note are written, and the verdict's state is
 * posted in a `finally` whatever else failed (tried twice). The parts that failed are named in
 * the status description and in the thrown `GitlabPublishError`.
 */
export async function publishGitlabReview(
  api: GitlabClient,
  t: GitlabTarget,
  report: ReviewReport,
  change: Change,
  opts: GitlabPublishOptions,
): Promise<GitlabPublishResult> {
  const failures: string[] = [];
  const res: Omit<GitlabPublishResult, 'status'> & { status: GitlabPublishResult['status'] | null } = {
    summaryNote: null,
    discussions: { posted: 0, refused: 0 },
    notInline: [],
    status: null,
    failures,
  };
  const title = titleOf(report);
  try {
    try {
      await postGitlabStatus(api, t, 'running', `publishing the review; verdict: ${title}`, opts.detailsUrl);
    } catch (err) {
      // the final state below is what counts; a status already running (400) or a hiccup here is not fatal
      process.stderr.write(`bulwark: gitlab: could not set the status to running: ${gitlabError(err)}\n`);
    }
    if (t.mrIid !== null) {
      if (opts.config.inline_comments) {
        try {
          const r = await postDiscussions(api, t, t.mrIid, report, change, opts.config.max_inline_comments);
          res.discussions = r.discussions;
          res.notInline = r.notInline;
          if (r.failure) failures.push(r.failure);
        } catch (err) {
          failures.push(`inline discussions: ${gitlabError(err)}`);
          res.notInline = inlineCandidates(report, change, new Set(), Infinity).all.map((f) =>
            notInlineOf(f, 'publishing the inline discussions failed', change),
          );
        }
      }
      try {
        res.summaryNote = await upsertSummaryNote(api, t, t.mrIid, summaryBody(report, res.notInline));
      } catch (err) {
        failures.push(`summary note: ${gitlabError(err)}`);
      }
    }
  } finally {
    const state = statusStateFor(report.decision.exitCode);
    const description = failures.length > 0 ? `${title}; publishing partly failed: ${failures.join('; ')}` : title;
    let last: unknown = null;
    for (let attempt = 0; attempt < 2 && res.status === null; attempt++) {
      try {
        res.status = { id: await postGitlabStatus(api, t, state, description, opts.detailsUrl), state };
      } catch (err) {
        last = err;
      }
    }
    if (res.status === null) failures.push(`commit status: ${gitlabError(last)}`);
  }
  if (failures.length > 0 || res.status === null) throw new GitlabPublishError(failures.join('; '), res as Partial<GitlabPublishResult>);
  return res as GitlabPublishResult;
}

async function upsertSummaryNote(api: GitlabClient, t: GitlabTarget, iid: number, body: string): Promise<NonNullable<GitlabPublishResult['summaryNote']>> {
  const me = String((await api.Users.showCurrentUser()).username).toLowerCase();
  const notes = await api.MergeRequestNotes.all(t.project, iid, { perPage: 100 });
  // Anyone can paste the marker into a note of their own: only a note this token's user wrote is ours.
  const mine = notes
    .filter((n) => !n.system && (n.body ?? '').includes(SUMMARY_MARKER) && String(n.author?.username ?? '').toLowerCase() === me)
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)[0];
  if (mine) {
    await api.MergeRequestNotes.edit(t.project, iid, mine.id, { body });
    return { id: mine.id, action: 'updated' };
  }
  const created = await api.MergeRequestNotes.create(t.project, iid, body);
  return { id: created.id, action: 'created' };
}

/** The new-side line as GitLab wants it: an added line by new_line alone, an unchanged one by both. */
function linePosition(file: ChangedFile, line: number): { newLine: string; oldLine?: string } {
  for (const h of file.hunks)
    for (const l of h.lines)
      if (l.newLine === line && l.kind === 'context' && l.oldLine !== undefined) return { newLine: String(line), oldLine: String(l.oldLine) };
  return { newLine: String(line) };
}

async function postDiscussions(
  api: GitlabClient,
  t: GitlabTarget,
  iid: number,
  report: ReviewReport,
  change: Change,
  max: number,
): Promise<{ discussions: GitlabPublishResult['discussions']; notInline: NotInline[]; failure: string | null }> {
  const existing = await api.MergeRequestDiscussions.all(t.project, iid, { perPage: 100 });
  const posted = new Set<string>();
  for (const d of existing) for (const n of d.notes ?? []) for (const m of (n.body ?? '').matchAll(FP_MARKER_RE)) posted.add(m[1]!);
  const { comments, rest } = inlineCandidates(report, change, posted, max);
  const discussions = { posted: 0, refused: 0 };
  if (comments.length === 0) return { discussions, notInline: rest, failure: null };
  // positions are anchored to the MR's own diff versions; a head that moved on has other line numbers
  const mr = await api.MergeRequests.show(t.project, iid);
  const refs = mr.diff_refs as { base_sha?: string; start_sha?: string; head_sha?: string } | null | undefined;
  if (!refs?.base_sha || !refs.start_sha || refs.head_sha !== t.headSha) {
    const why = refs?.head_sha
      ? `the merge request's head is now ${refs.head_sha.slice(0, 12)}, not the reviewed commit`
      : 'the merge request has no diff_refs yet';
    return { discussions, notInline: [...rest, ...comments.map(({ f }) => notInlineOf(f, why, change))], failure: null };
  }
  const files = new Map(change.files.map((f) => [f.path, f]));
  let failure: string | null = null;
  for (const { f } of comments as { f: DecidedFinding }[]) {
    if (failure !== null) {
      rest.push(notInlineOf(f, 'not posted: publishing inline discussions failed', change));
      continue;
    }
    const file = files.get(f.file)!;
    try {
      await api.MergeRequestDiscussions.create(t.project, iid, inlineBody(f), {
        position: {
          positionType: 'text',
          baseSha: refs.base_sha,
          startSha: refs.start_sha,
          headSha: refs.head_sha,
          oldPath: file.oldPath ?? file.path,
          newPath: file.path,
          ...linePosition(file, f.line),
        },
      });
      discussions.posted++;
    } catch (err) {
      if (httpStatus(err) === 400) {
        discussions.refused++;
        rest.push(notInlineOf(f, `GitLab refused the position (${gitlabError(err)})`, change));
      } else {
        failure = `inline discussion: ${gitlabError(err)}`;
        rest.push(notInlineOf(f, 'not posted: publishing inline discussions failed', change));
      }
    }
  }
  return { discussions, notInline: rest, failure };
}
