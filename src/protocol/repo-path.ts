import path from 'node:path';

/** A repository path that either side of the channel refuses: absolute, leaving the root, or inside .git. */
export class RepoPathError extends Error {
  override name = 'RepoPathError';
}

/**
 * Normalises a model-supplied repository path. The worker checks it before using a path and the
 * parent checks it again before running git for the worker, so both share this one rule.
 */
export function normalizeRepoPath(p: string): string {
  if (p.includes('\0')) throw new RepoPathError('path contains a NUL byte');
  const norm = path.posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\/+/, '');
  if (path.posix.isAbsolute(norm)) throw new RepoPathError(`path "${p}" must be relative to the repository root`);
  if (norm === '..' || norm.startsWith('../')) throw new RepoPathError(`path "${p}" leaves the repository`);
  if (norm.split('/').includes('.git')) throw new RepoPathError(`path "${p}" is inside .git, which tools do not read`);
  return norm === '' ? '.' : norm;
}
