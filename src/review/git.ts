import { execFile, spawn, spawnSync } from 'node:child_process';
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

const GIT_CONFIG = ['-c', 'core.quotePath=false', '-c', 'diff.noprefix=false', '-c', 'color.ui=false', '-c', 'core.fsmonitor=false'];
const gitEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GIT_PAGER: 'cat', GIT_EXTERNAL_DIFF: '', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' });

/**
 * Runs git with settings that make its output machine-readable regardless of the user's config
 * (no pager, no colour, no external diff/textconv drivers: a repository's .gitattributes must not
 * make us execute anything).
 */
export async function git(repoDir: string, args: string[]): Promise<Buffer> {
  try {
    const { stdout } = await execFileP('git', [...GIT_CONFIG, ...args], {
      cwd: repoDir,
      encoding: 'buffer',
      maxBuffer: 2 * 1024 * 1024 * 1024,
      env: gitEnv(),
    });
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

/** What `showFileCapped` read: at most `cap` bytes of the blob, and the blob's full size. */
export interface CappedBlob {
  bytes: Buffer;
  size: number;
  truncated: boolean;
}

/**
 * Contents of the blob `path` at `rev`, never holding more than `cap` + 1 bytes of it in memory:
 * the size is asked first (`git cat-file --batch-check`), then the blob is streamed and git is
 * killed once the cap is passed. Null when `rev:path` is not a blob (missing, or a tree). Used
 * where the path comes from a sandboxed worker: a multi-gigabyte blob must not become a
 * multi-gigabyte buffer in the trusted process.
 */
export async function showFileCapped(repoDir: string, rev: string, path: string, cap: number): Promise<CappedBlob | null> {
  const spec = `${rev}:${path}`;
  // batch-check reads the object name from stdin: no option parsing, no newline in names here
  if (spec.includes('\n')) return null;
  const check = await runCapped(repoDir, ['cat-file', '--batch-check=%(objecttype) %(objectsize)'], 4096, spec + '\n');
  const m = /^blob (\d+)\n?$/.exec(check.bytes.toString('utf8'));
  if (!m) return null;
  const size = Number(m[1]);
  const blob = await runCapped(repoDir, ['cat-file', 'blob', spec], cap + 1);
  if (!blob.ok && !blob.capped) return null;
  const truncated = blob.bytes.length > cap || size > cap;
  return { bytes: truncated ? blob.bytes.subarray(0, cap) : blob.bytes, size, truncated };
}

/** Runs git keeping at most `limit` bytes of its stdout; kills it once more would arrive. */
function runCapped(repoDir: string, args: string[], limit: number, input?: string): Promise<{ bytes: Buffer; ok: boolean; capped: boolean }> {
  return new Promise((resolve) => {
    const child = spawn('git', [...GIT_CONFIG, ...args], { cwd: repoDir, env: gitEnv(), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'ignore'] });
    const stdout = child.stdout!;
    const chunks: Buffer[] = [];
    let held = 0;
    let capped = false;
    stdout.on('data', (c: Buffer) => {
      if (capped) return;
      const room = limit - held;
      if (c.length >= room) {
        chunks.push(Buffer.from(c.subarray(0, room)));
        held += room;
        capped = true;
        stdout.destroy();
        child.kill('SIGKILL');
        return;
      }
      chunks.push(c);
      held += c.length;
    });
    child.on('error', () => resolve({ bytes: Buffer.alloc(0), ok: false, capped: false }));
    child.on('close', (code) => resolve({ bytes: Buffer.concat(chunks), ok: code === 0, capped }));
    if (input !== undefined) {
      // git may exit before reading its input: a broken pipe is its answer, not ours to throw
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
    }
  });
}

/**
 * The top level of the git work tree holding `dir`, else `dir` itself: configuration lives at the
 * top level, where `bulwark review` looks for it, wherever in the tree a command is run.
 */
export function workTreeTop(dir: string): string {
  return workTreeTopOrNull(dir) ?? path.resolve(dir);
}

/** The top level of the git work tree holding `dir`, or null when it is in none. */
export function workTreeTopOrNull(dir: string): string | null {
  const r = spawnSync('git', ['-C', path.resolve(dir), 'rev-parse', '--show-toplevel'], { encoding: 'utf8' });
  const top = r.status === 0 ? r.stdout.trim() : '';
  return top !== '' ? top : null;
}

/** `workTreeTopOrNull` while the caller goes on working. */
export function workTreeTopOrNullAsync(dir: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', ['-C', path.resolve(dir), 'rev-parse', '--show-toplevel'], { encoding: 'utf8' }, (err, stdout) => {
      const top = err ? '' : stdout.trim();
      resolve(top !== '' ? top : null);
    });
  });
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
