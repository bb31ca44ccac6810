import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../domain/errors.js';
import type { Change, PullRequestMeta } from '../domain/change.js';
import { DiffParseError, parseUnifiedDiff } from '../domain/diff-parse.js';
import { git, gitText, resolveCommit } from './git.js';

/**
 * Turns "what should be reviewed" into a Change. Sources, in order of precedence:
 * an explicit patch (--diff), local git base..head, and CI context (GitHub pull_request event,
 * GitLab merge-request variables) which supplies PR metadata and default base/head SHAs.
 */
export interface AcquireOptions {
  repoDir: string;
  base?: string;
  head?: string;
  /** A patch file path, or '-' for stdin (pass its bytes in `stdin`). */
  diff?: string;
  stdin?: () => Buffer;
  /** Path of a GitHub event JSON file; defaults to GITHUB_EVENT_PATH when GITHUB_EVENT_NAME is a PR event. */
  githubEvent?: string;
  env?: NodeJS.ProcessEnv;
}

const prEventSchema = z.object({
  pull_request: z.object({
    number: z.number().int().positive(),
    title: z.string().nullable().optional(),
    body: z.string().nullable().optional(),
    html_url: z.string().optional(),
    url: z.string().optional(),
    draft: z.boolean().optional(),
    user: z.object({ login: z.string() }).nullable().optional(),
    base: z.object({
      sha: z.string().regex(/^[0-9a-f]{40,64}$/),
      ref: z.string(),
      repo: z.object({ full_name: z.string() }).nullable().optional(),
    }),
    head: z.object({
      sha: z.string().regex(/^[0-9a-f]{40,64}$/),
      ref: z.string(),
      repo: z.object({ full_name: z.string() }).nullable().optional(),
    }),
  }),
  repository: z.object({ full_name: z.string() }).optional(),
});

export interface CiContext {
  kind: 'github-event' | 'gitlab-mr';
  pr: PullRequestMeta;
  baseSha: string;
  headSha: string;
  /** GitLab provides the merge base directly. */
  mergeBase?: string;
}

/** Reads a GitHub pull_request / pull_request_target event file. */
export function readGithubEvent(file: string): CiContext {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: cannot read GitHub event JSON: ${(err as Error).message}`);
  }
  const res = prEventSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    throw new UsageError(`${file}: not a pull_request event: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const pr = res.data.pull_request;
  const repository = pr.base.repo?.full_name ?? res.data.repository?.full_name ?? '';
  const headRepo = pr.head.repo?.full_name ?? null;
  const meta: PullRequestMeta = {
    provider: 'github',
    number: pr.number,
    title: pr.title ?? '',
    body: pr.body ?? '',
    author: pr.user?.login ?? '',
    htmlUrl: pr.html_url ?? '',
    repository,
    baseRef: pr.base.ref,
    headRef: pr.head.ref,
    // a deleted fork shows head.repo = null: treat it as a fork (never trusted)
    fromFork: headRepo === null || headRepo !== repository,
  };
  if (pr.url !== undefined) meta.apiUrl = pr.url;
  if (pr.draft !== undefined) meta.draft = pr.draft;
  return { kind: 'github-event', pr: meta, baseSha: pr.base.sha, headSha: pr.head.sha };
}

/** GitLab CI predefined variables of a merge-request pipeline, or null outside one. */
export function readGitlabMr(env: NodeJS.ProcessEnv): CiContext | null {
  const iid = env.CI_MERGE_REQUEST_IID;
  if (!iid) return null;
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new UsageError(`GitLab merge-request pipeline without ${name}`);
    return v;
  };
  const number = Number(iid);
  if (!Number.isInteger(number) || number <= 0) throw new UsageError(`CI_MERGE_REQUEST_IID is not a positive integer: ${JSON.stringify(iid)}`);
  const project = env.CI_MERGE_REQUEST_PROJECT_PATH ?? env.CI_PROJECT_PATH ?? '';
  const source = env.CI_MERGE_REQUEST_SOURCE_PROJECT_PATH ?? project;
  const headSha = env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA || need('CI_COMMIT_SHA');
  const baseSha = env.CI_MERGE_REQUEST_TARGET_BRANCH_SHA || env.CI_MERGE_REQUEST_DIFF_BASE_SHA || need('CI_MERGE_REQUEST_DIFF_BASE_SHA');
  const meta: PullRequestMeta = {
    provider: 'gitlab',
    number,
    title: env.CI_MERGE_REQUEST_TITLE ?? '',
    body: env.CI_MERGE_REQUEST_DESCRIPTION ?? '',
    author: env.GITLAB_USER_LOGIN ?? '',
    htmlUrl: env.CI_MERGE_REQUEST_PROJECT_URL ? `${env.CI_MERGE_REQUEST_PROJECT_URL}/-/merge_requests/${number}` : '',
    repository: project,
    baseRef: env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME ?? '',
    headRef: env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME ?? '',
    fromFork: source !== project,
  };
  const ctx: CiContext = { kind: 'gitlab-mr', pr: meta, baseSha, headSha };
  if (env.CI_MERGE_REQUEST_DIFF_BASE_SHA) ctx.mergeBase = env.CI_MERGE_REQUEST_DIFF_BASE_SHA;
  return ctx;
}

/** The CI context implied by flags and environment, if any. */
export function detectCiContext(opts: AcquireOptions): CiContext | null {
  const env = opts.env ?? process.env;
  if (opts.githubEvent) return readGithubEvent(opts.githubEvent);
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  if (env.GITHUB_EVENT_PATH && (eventName === 'pull_request' || eventName === 'pull_request_target')) return readGithubEvent(env.GITHUB_EVENT_PATH);
  if (env.GITLAB_CI) return readGitlabMr(env);
  return null;
}

function parsePatch(bytes: Uint8Array, label: string): Change['files'] {
  try {
    return parseUnifiedDiff(bytes);
  } catch (err) {
    if (err instanceof DiffParseError) throw new UsageError(`${label}: ${err.message}`);
    throw err;
  }
}

/** Default base when none is given: the remote's default branch, else main/master. */
async function isWorkTree(dir: string): Promise<boolean> {
  return (await gitText(dir, ['rev-parse', '--is-inside-work-tree']).catch(() => '')) === 'true';
}

export async function defaultBase(repoDir: string): Promise<string> {
  for (const ref of ['origin/HEAD', 'origin/main', 'origin/master', 'main', 'master']) {
    if (await resolveCommit(repoDir, ref)) return ref;
  }
  throw new UsageError('no --base given and none of origin/HEAD, origin/main, origin/master, main, master exists');
}

/** The changed files from one commit to another, as the review reads them (renames and copies found, no drivers run). */
async function diffFiles(repoDir: string, from: string, to: string): Promise<Change['files']> {
  const patch = await git(repoDir, [
    'diff',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--find-renames',
    '--find-copies',
    '--submodule=short',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    from,
    to,
    '--',
  ]);
  return parsePatch(patch, `git diff ${from.slice(0, 12)}..${to.slice(0, 12)}`);
}

/**
 * What an incremental review sends the models: the commits since `from` (an earlier reviewed head,
 * an ancestor of the head), diffed from..head. The PR and revisions stay those of the full change;
 * `baseSha`/`mergeBase` become `from`, so a stage reading the "base" side reads the earlier head.
 */
export async function incrementalChange(full: Change, from: string): Promise<Change> {
  if (!full.repoDir || !full.headSha) throw new Error('an incremental review needs a local repository and a head revision');
  return {
    ...full,
    source: { kind: full.source.kind, description: `${full.source.description} (incremental from ${from.slice(0, 12)})` },
    baseSha: from,
    mergeBase: from,
    files: await diffFiles(full.repoDir, from, full.headSha),
  };
}

export async function acquireChange(opts: AcquireOptions): Promise<Change> {
  const ci = detectCiContext(opts);
  const pr = ci?.pr ?? null;

  if (opts.diff !== undefined) {
    let bytes: Buffer;
    if (opts.diff === '-') {
      if (!opts.stdin) throw new UsageError('--diff - given but no standard input is available');
      bytes = opts.stdin();
    } else {
      try {
        bytes = readFileSync(opts.diff);
      } catch (err) {
        throw new UsageError(`--diff ${opts.diff}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    const label = opts.diff === '-' ? 'patch from stdin' : opts.diff;
    const files = parsePatch(bytes, label);
    if (files.length === 0) throw new UsageError(`--diff ${label}: not a unified diff with changes (empty, or no "diff --git"/"---"/"+++" file headers)`);
    return {
      source: { kind: 'patch', description: `patch ${label}` },
      repoDir: opts.repoDir,
      baseSha: opts.base ? await resolveCommit(opts.repoDir, opts.base).catch(() => null) : (ci?.baseSha ?? null),
      headSha: opts.head ? await resolveCommit(opts.repoDir, opts.head).catch(() => null) : (ci?.headSha ?? null),
      mergeBase: ci?.mergeBase ?? null,
      files,
      pr,
    };
  }

  if ((await resolveCommit(opts.repoDir, 'HEAD')) === null && !(await isWorkTree(opts.repoDir)))
    throw new UsageError(`${opts.repoDir} is not a git repository: run inside a checkout, pass --repo DIR, or review a patch with --diff FILE`);
  const baseRef = opts.base ?? ci?.baseSha ?? (await defaultBase(opts.repoDir));
  const headRef = opts.head ?? ci?.headSha ?? 'HEAD';
  const baseSha = await resolveCommit(opts.repoDir, baseRef);
  if (!baseSha) throw new UsageError(`base revision ${JSON.stringify(baseRef)} not found in ${opts.repoDir}`);
  const headSha = await resolveCommit(opts.repoDir, headRef);
  if (!headSha) throw new UsageError(`head revision ${JSON.stringify(headRef)} not found in ${opts.repoDir} (fetch the PR head first)`);
  let mergeBase: string;
  try {
    mergeBase = await gitText(opts.repoDir, ['merge-base', baseSha, headSha]);
  } catch {
    throw new UsageError(`no merge base between ${baseRef} and ${headRef} (shallow clone? fetch more history)`);
  }
  const files = await diffFiles(opts.repoDir, mergeBase, headSha);
  return {
    source: { kind: ci?.kind ?? 'git', description: `${ci ? ci.kind + ' ' : ''}git ${baseRef}...${headRef}` },
    repoDir: opts.repoDir,
    baseSha,
    headSha,
    mergeBase,
    files,
    pr,
  };
}
