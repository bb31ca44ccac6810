import { clipName, clipText, type EntryOf } from '../domain/audit-entries.js';
import type { Change } from '../domain/change.js';
import { git } from './git.js';

/**
 * What a review's `run_started` entry says about the change beyond its revisions: the pull/merge
 * request, who wrote it and which CI run reviewed it. The evidence bundle's `changes.csv` reads
 * these (PR, author, CI run; author ≠ approver), so they are recorded when the run starts.
 */
export type RunChangeFacts = Pick<EntryOf<'run_started'>, 'pr' | 'author' | 'ci_run'>;

/** The CI run executing Bulwark, from GitHub Actions or GitLab CI predefined variables. */
export function ciRunOf(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GITHUB_RUN_ID) {
    const repo = env.GITHUB_REPOSITORY ?? '';
    const run =
      env.GITHUB_SERVER_URL && repo
        ? `${env.GITHUB_SERVER_URL.replace(/\/+$/, '')}/${repo}/actions/runs/${env.GITHUB_RUN_ID}`
        : `github:${repo}/actions/runs/${env.GITHUB_RUN_ID}`;
    return clipText(run);
  }
  if (env.CI_PIPELINE_URL) return clipText(env.CI_PIPELINE_URL);
  if (env.CI_PIPELINE_ID) return clipText(`gitlab:${env.CI_PROJECT_PATH ?? ''}/pipelines/${env.CI_PIPELINE_ID}`);
  return undefined;
}

/** Author email (else name) of the head commit in a local checkout, or undefined when unknown. */
export async function headCommitAuthor(repoDir: string, head: string): Promise<string | undefined> {
  try {
    const out = (await git(repoDir, ['log', '-1', '--format=%ae%x00%an', head, '--'])).toString('utf8').trim();
    const [email, name] = out.split('\0').map((s) => s.trim());
    const who = email || name;
    return who ? clipName(who) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The facts for `run_started`. The author is the PR/MR author when the change came from a CI
 * event that names one, else the head commit's author (local git); `headAuthor` is looked up by
 * the caller (see headCommitAuthor) so this stays pure.
 */
export function runChangeFacts(change: Change, env: NodeJS.ProcessEnv, headAuthor: string | undefined): RunChangeFacts {
  const out: RunChangeFacts = {};
  const pr = change.pr;
  if (pr) {
    out.pr = {
      provider: pr.provider,
      number: pr.number,
      ...(pr.htmlUrl ? { url: clipText(pr.htmlUrl) } : {}),
      ...(pr.repository ? { repository: clipText(pr.repository) } : {}),
      ...(pr.baseRef ? { base_ref: clipText(pr.baseRef) } : {}),
      ...(pr.headRef ? { head_ref: clipText(pr.headRef) } : {}),
      ...(pr.title ? { title: clipText(pr.title) } : {}),
    };
  }
  const author = pr?.author.trim() ? clipName(pr.author.trim()) : headAuthor;
  if (author) out.author = author;
  const ci = ciRunOf(env);
  if (ci) out.ci_run = ci;
  return out;
}
