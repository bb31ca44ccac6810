import type { AuditLog } from '../audit/index.js';
import { UsageError } from '../domain/errors.js';
import { CHECK_NAME, createOctokit, isPermissionError } from '../review/github.js';
import { isAuthor, type ApprovalEntry } from './approve.js';
import { githubPrincipal } from './config.js';
import { entriesOfKind, runFacts } from './log-facts.js';

/** GitHub.com's REST API; GitHub Enterprise is https://HOST/api/v3 (`GITHUB_API_URL`). */
const DEFAULT_API_URL = 'https://api.github.com';

/**
 * Imports GitHub pull-request reviews as approvals with method `github`. Only reviews in state
 * APPROVED (or CHANGES_REQUESTED → reject) on exactly the head commit the run reviewed count.
 * Reviews by anyone who wrote the change are refused: the PR author, every GitHub user GitHub
 * links to a commit of the PR as author or committer (its own `web-flow` committer aside), and a
 * login whose `[approvals] github_users` principal is an author email or name of a commit in the
 * checkout's base..head. When a commit's author is linked to no GitHub account, only mapped
 * reviewers are imported (their principal can be compared); a PR with more commits than GitHub
 * lists (250) is refused as a whole. GitHub's record is the evidence, so `signature` holds the
 * review's identity (id, commit, URL) rather than a cryptographic signature, and `source_ref` its
 * URL; importing twice adds nothing.
 */
export interface ImportGithubOptions {
  log: AuditLog;
  runId: string;
  /** "owner/name". */
  repository: string;
  pull: number;
  token?: string;
  /** REST API base URL (GitHub Enterprise, or a fake server in tests). */
  apiUrl?: string;
  /** `[approvals] github_users`: login → principal. */
  githubUsers?: Record<string, string>;
  /** Author identities of the change's commits (see `changeAuthors`); asked only when a reviewer's login maps to a principal. */
  changeAuthors?: (base: string, head: string) => Promise<Set<string>>;
}

export interface ImportGithubResult {
  imported: ApprovalEntry[];
  skipped: { login: string; reason: string }[];
}

export async function importGithubApprovals(opts: ImportGithubOptions): Promise<ImportGithubResult> {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(opts.repository);
  if (!m) throw new UsageError(`--github-repo "${opts.repository}" is not owner/name`);
  const [, owner, repo] = m as unknown as [string, string, string];
  const facts = await runFacts(opts.log.store, opts.runId);
  if (!facts) throw new UsageError(`run ${opts.runId} is not in the audit log ${opts.log.location}`);
  if (!facts.changeHash) throw new UsageError(`run ${opts.runId} recorded no change hash; it cannot be approved`);
  const head = facts.started?.entry.head;
  if (!head || !/^[0-9a-f]{40}$/.test(head)) throw new UsageError(`run ${opts.runId} recorded no head commit id`);

  const octokit = createOctokit(opts.token, opts.apiUrl ?? DEFAULT_API_URL);
  let pr;
  try {
    pr = (await octokit.rest.pulls.get({ owner, repo, pull_number: opts.pull })).data;
  } catch (err) {
    throw new UsageError(`cannot read ${opts.repository}#${opts.pull} from GitHub: ${(err as Error).message.split('\n')[0]}`);
  }
  if (pr.head.sha !== head) throw new UsageError(`${opts.repository}#${opts.pull} head is ${pr.head.sha}, run ${opts.runId} reviewed ${head}`);
  const author = pr.user?.login?.toLowerCase();
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, { owner, repo, pull_number: opts.pull, per_page: 100 });
  // GitHub's own committer for web edits, merges and "Update branch" is not a person of the change
  const writers = new Set<string>();
  const commits = await octokit.paginate(octokit.rest.pulls.listCommits, { owner, repo, pull_number: opts.pull, per_page: 100 });
  // GitHub lists at most 250 commits of a pull request: beyond that the writers are unknown
  if (typeof pr.commits === 'number' && commits.length < pr.commits) {
    throw new UsageError(
      `${opts.repository}#${opts.pull} has ${pr.commits} commits but GitHub listed ${commits.length}: its authors cannot all be checked, so no review is imported (use SSH-signed approvals)`,
    );
  }
  let unlinked = false;
  for (const c of commits) {
    // a commit whose email GitHub links to no account: its author is known only by email
    if (!c.author?.login) unlinked = true;
    for (const u of [c.author?.login, c.committer?.login]) if (u && u !== 'web-flow') writers.add(u.toLowerCase());
  }
  let gitAuthors: Set<string> | undefined;
  const principalIsAuthor = async (login: string): Promise<boolean> => {
    const principal = githubPrincipal(opts.githubUsers, login);
    if (!principal) return false;
    const base = facts.started?.entry.base;
    if (!opts.changeAuthors || !base)
      throw new UsageError(
        `cannot check whether ${principal} (GitHub ${login}) wrote the change: run ${opts.runId} recorded no base commit or no checkout was given`,
      );
    gitAuthors ??= await opts.changeAuthors(base, head);
    return isAuthor(principal, gitAuthors);
  };

  const known = new Set((await entriesOfKind(opts.log.store, 'approval')).map((a) => a.entry.source_ref).filter((x): x is string => !!x));
  const imported: ApprovalEntry[] = [];
  const skipped: ImportGithubResult['skipped'] = [];
  const inputs: Omit<ApprovalEntry, 'v'>[] = [];
  for (const r of reviews) {
    const login = r.user?.login;
    if (!login) continue;
    const decision = r.state === 'APPROVED' ? 'approve' : r.state === 'CHANGES_REQUESTED' ? 'reject' : undefined;
    if (!decision) continue;
    if (r.commit_id !== head) {
      skipped.push({ login, reason: `review is on ${r.commit_id ?? 'an unknown commit'}, not the reviewed head ${head}` });
      continue;
    }
    if (author !== undefined && login.toLowerCase() === author) {
      skipped.push({ login, reason: 'the reviewer is the pull request author' });
      continue;
    }
    if (writers.has(login.toLowerCase())) {
      skipped.push({ login, reason: 'the reviewer authored or committed a commit of the pull request' });
      continue;
    }
    if (unlinked && githubPrincipal(opts.githubUsers, login) === undefined) {
      skipped.push({
        login,
        reason:
          'a commit of the pull request has an author GitHub links to no account; map the reviewer in [approvals] github_users so the author check can compare principals',
      });
      continue;
    }
    if (await principalIsAuthor(login)) {
      skipped.push({ login, reason: `the reviewer's principal ${githubPrincipal(opts.githubUsers, login)} authored a commit of the change` });
      continue;
    }
    const ref = r.html_url || `${opts.repository}#${opts.pull}/reviews/${r.id}`;
    if (known.has(ref)) {
      skipped.push({ login, reason: 'already imported' });
      continue;
    }
    const time = r.submitted_at ? new Date(r.submitted_at).toISOString() : new Date().toISOString();
    inputs.push({
      kind: 'approval',
      time,
      run_id: opts.runId,
      reviewer: `github:${login}`,
      change_hash: facts.changeHash,
      decision,
      method: 'github',
      signature: `github-review id=${r.id} commit=${r.commit_id} pull=${opts.repository}#${opts.pull}`,
      ...(facts.gate ? { zones: facts.gate.entry.zones } : {}),
      source_ref: ref,
    });
  }
  // a push while the reviews and commits were read would have checked the writers of another head
  const after = (await octokit.rest.pulls.get({ owner, repo, pull_number: opts.pull })).data;
  if (after.head.sha !== head) throw new UsageError(`${opts.repository}#${opts.pull} moved to ${after.head.sha} while its reviews were read; nothing imported`);
  if (inputs.length > 0) {
    await opts.log.appendMany(inputs);
    for (const i of inputs) imported.push({ v: 1, ...i });
  }
  return { imported, skipped };
}

export interface ApprovalCheckOptions {
  /** "owner/name". */
  repository: string;
  headSha: string;
  approved: boolean;
  /** One line for the check title / status description. */
  summary: string;
  token: string;
  apiUrl?: string;
}

/**
 * Turns the `bulwark` check on the reviewed head commit green once the run is approved (or keeps it
 * "action required"): a check run when the token may create them, else a commit status with the
 * same context, as `bulwark review` publishes.
 */
export async function publishApprovalCheck(opts: ApprovalCheckOptions): Promise<{ kind: 'check-run' | 'status'; id: number }> {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(opts.repository);
  if (!m) throw new UsageError(`--github-repo "${opts.repository}" is not owner/name`);
  const [, owner, repo] = m as unknown as [string, string, string];
  const octokit = createOctokit(opts.token, opts.apiUrl ?? DEFAULT_API_URL);
  const title = opts.approved ? 'Approved: required approvals recorded' : 'Approval required';
  try {
    const { data } = await octokit.rest.checks.create({
      owner,
      repo,
      name: CHECK_NAME,
      head_sha: opts.headSha,
      status: 'completed',
      conclusion: opts.approved ? 'success' : 'action_required',
      output: { title, summary: opts.summary.slice(0, 60_000) },
    });
    return { kind: 'check-run', id: data.id };
  } catch (err) {
    // a GITHUB_TOKEN without checks: write (or not a GitHub App) falls back to a commit status;
    // a rate limit was already waited out within its budget and is an error, not a permission
    if (!isPermissionError(err)) throw err;
  }
  const { data } = await octokit.rest.repos.createCommitStatus({
    owner,
    repo,
    sha: opts.headSha,
    state: opts.approved ? 'success' : 'failure',
    context: CHECK_NAME,
    description: `${title}: ${opts.summary}`.slice(0, 140),
  });
  return { kind: 'status', id: data.id };
}
