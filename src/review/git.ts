import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export class GitError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/**
 * Runs git with settings that make its output machine-readable regardless of the user's config
 * (no pager, no colour, no external diff/textconv drivers: a repository's .gitattributes must not
 * make us execute anything).
 */
export async function git(repoDir: string, args: string[]): Promise<Buffer> {
  try {
    const { stdout } = await execFileP(
      'git',
      ['-c', 'core.quotePath=false', '-c', 'diff.noprefix=false', '-c', 'color.ui=false', '-c', 'core.fsmonitor=false', ...args],
      {
        cwd: repoDir,
        encoding: 'buffer',
        maxBuffer: 2 * 1024 * 1024 * 1024,
        env: { ...process.env, GIT_PAGER: 'cat', GIT_EXTERNAL_DIFF: '', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      },
    );
    return stdout;
  } catch (err) {
    const e = err as { stderr?: Buffer; message?: string };
    const stderr = e.stderr ? e.stderr.toString('utf8').trim() : '';
    throw new GitError(`git ${args[0] ?? ''} failed: ${(stderr.split('\n')[0] ?? '') || e.message}`, stderr);
  }
}

export async function gitText(repoDir: string, args: string[]): Promise<string> {
  return (await git(repoDir, args)).toString('utf8').replace(/\n$/, '');
}

/** Resolves a ref to a full commit SHA, or null when it does not exist. */
export async function resolveCommit(repoDir: string, ref: string): Promise<string | null> {
  if (ref.startsWith('-')) return null; // never let a ref be parsed as an option
  try {
    return await gitText(repoDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  } catch {
    return null;
  }
}

/** Contents of `path` at `rev`, or null when the file does not exist there. */
export async function showFile(repoDir: string, rev: string, path: string): Promise<Buffer | null> {
  try {
    return await git(repoDir, ['show', `${rev}:${path}`]);
  } catch {
    return null;
  }
}

/**
 * The top level of the git work tree holding `dir`, else `dir` itself: configuration lives at the
 * top level, where `bulwark review` looks for it, wherever in the tree a command is run.
 */
export function workTreeTop(dir: string): string {
  const abs = path.resolve(dir);
  const r = spawnSync('git', ['-C', abs, 'rev-parse', '--show-toplevel'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : abs;
}

/** Whether `ancestor` is reachable from `descendant` (false when either is unknown). */
export async function isAncestor(repoDir: string, ancestor: string, descendant: string): Promise<boolean> {
  if (ancestor.startsWith('-') || descendant.startsWith('-')) return false;
  try {
    await git(repoDir, ['merge-base', '--is-ancestor', ancestor, descendant]);
    return true;
  } catch {
    return false;
  }
}
