import { GitBatch } from './git-batch.js';
import { hasLineBreak, requireRepository, unknownRevision } from './sources.js';

/** What a gate run reads from git before anything else: its two commits and its configuration. */
export interface ResolvedChange {
  baseCommit: string;
  /** null when the head names no commit (the caller says so when its order of checks comes to it). */
  headCommit: string | null;
  /**
   * The configuration file's text in the base commit when git gave it as a file; undefined when it
   * was not asked for or git gave no file: no such path, an object it cannot read, a folder by that
   * name, or git ended before the question (a head name such as `@{u}` without an upstream ends
   * it). The caller then asks git as it always did, which tells these apart.
   */
  configText?: string;
}

/**
 * Resolves a change's two revisions to commits and reads the configuration file of the base
 * commit, with one git process: it is asked the base and the head, then `<base commit>:<configPath>`
 * when a path is given (read from the commit the base resolved to, so the two cannot disagree). A
 * usage error names an unknown base, or a folder that is not in a git repository; an unknown head
 * is left to the caller, which reports it after the configuration's errors. `batch`: the run's
 * open `git cat-file --batch`, which the caller goes on asking and closes (one of its own
 * otherwise, closed here).
 */
export async function resolveChange(
  repoDir: string,
  revisions: { base: string; head: string },
  configPath?: string,
  batch?: GitBatch,
): Promise<ResolvedChange> {
  const { base, head } = revisions;
  if (hasLineBreak(base)) throw unknownRevision(base);
  const questions = batch ?? new GitBatch(repoDir);
  try {
    const headAsked = !hasLineBreak(head);
    const [baseObject, headObject] = await questions.ask(headAsked ? [`${base}^{commit}`, `${head}^{commit}`] : [`${base}^{commit}`]);
    if (baseObject?.type !== 'commit') {
      requireRepository(repoDir);
      throw unknownRevision(base);
    }
    const change: ResolvedChange = { baseCommit: baseObject.id, headCommit: headObject?.type === 'commit' ? headObject.id : null };
    if (configPath !== undefined && !hasLineBreak(configPath)) {
      const [config] = await questions.ask([`${baseObject.id}:${configPath}`]);
      if (config?.type === 'blob') change.configText = config.content.toString('utf8');
    }
    return change;
  } finally {
    if (!batch) await questions.close();
  }
}
