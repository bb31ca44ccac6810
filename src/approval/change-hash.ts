import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { UsageError } from '../domain/errors.js';

const execFileP = promisify(execFile);

/**
 * The change hash an approval is bound to:
 *
 *   diff_hash   = hex SHA-256 of the bytes of
 *                 `git diff --no-color --no-ext-diff --no-textconv --binary --full-index --no-renames <merge-base> <head>`
 *   change_hash = "sha256:" + hex SHA-256 of "bulwark-change-v1\n" + <head commit, 40 lowercase hex> + "\n" + diff_hash + "\n"
 *
 * Binding both the head commit and the diff means an approval cannot be replayed onto a different
 * commit, and a rebase onto a new base that changes what is merged invalidates it too.
 */
export const CHANGE_HASH_PREFIX = 'sha256:';

export function diffHash(diff: Uint8Array | string): string {
  return createHash('sha256').update(diff).digest('hex');
}

export function computeChangeHash(headCommit: string, diffHex: string): string {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(headCommit)) throw new UsageError(`head commit "${headCommit}" is not a full lowercase hex object id`);
  if (!/^[0-9a-f]{64}$/.test(diffHex)) throw new UsageError(`diff hash "${diffHex}" is not 64 hex digits`);
  return CHANGE_HASH_PREFIX + createHash('sha256').update(`bulwark-change-v1\n${headCommit}\n${diffHex}\n`).digest('hex');
}

export function isChangeHash(s: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(s);
}

async function git(repoDir: string, args: string[]): Promise<Buffer> {
  try {
    const { stdout } = await execFileP('git', ['-C', repoDir, ...args], { encoding: 'buffer', maxBuffer: 1 << 30 });
    return stdout;
  } catch (err) {
    const msg = (err as { stderr?: Buffer }).stderr?.toString('utf8').trim().split('\n')[0] ?? String(err);
    throw new UsageError(`git ${args[0]} in ${repoDir} failed: ${msg}`);
  }
}

/** Computes the change hash of base...head in a local repository. */
export async function changeHashFromRepo(
  repoDir: string,
  base: string,
  head: string,
): Promise<{ head: string; mergeBase: string; diffHash: string; changeHash: string }> {
  const headSha = (await git(repoDir, ['rev-parse', '--verify', `${head}^{commit}`])).toString('utf8').trim();
  const mergeBase = (await git(repoDir, ['merge-base', base, headSha])).toString('utf8').trim();
  const diff = await git(repoDir, ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '--binary', '--full-index', '--no-renames', mergeBase, headSha]);
  const d = diffHash(diff);
  return { head: headSha, mergeBase, diffHash: d, changeHash: computeChangeHash(headSha, d) };
}
