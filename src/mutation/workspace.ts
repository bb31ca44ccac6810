/**
 * Scratch work trees: one copy of the head revision per worker, beside a writable tmp/ and a
 * bin/ for compiled test binaries. The copy is readable and executable inside the sandbox but
 * never writable there; only the orchestrator edits it, one mutant at a time.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeTempDir, removeTempDir } from '../sandbox/temp-dirs.js';

export interface Workspace {
  /** The head revision's tracked files. */
  repo: string;
  /** HOME, TMPDIR and the toolchains' caches: the only place the tests may write. */
  tmp: string;
  /** Compiled test binaries (written by the build step, executed by the test step). */
  bin: string;
  /** Build caches shared by every worker of the run (Go's build cache): writable, inside the scratch root. */
  cache: string;
  /** Real paths of dependency folders linked into `repo` from the original checkout (read + execute). */
  dependencyRoots: string[];
}

/** Untracked dependency folders reused read-only from the checkout instead of copied. */
const DEPENDENCY_DIRS = ['node_modules'];

export function createScratchRoot(): string {
  const root = makeTempDir(path.join(os.tmpdir(), 'bulwark-mutation-'));
  // the sandbox uid must traverse to its work tree
  chmodSync(root, 0o755);
  return root;
}

export function removeScratchRoot(root: string): void {
  removeTempDir(root);
}

export function createWorkspace(root: string, index: number, repoDir: string, commit: string): Workspace {
  const base = path.join(root, `w${index}`);
  const repo = path.join(base, 'repo');
  const tmp = path.join(base, 'tmp');
  const bin = path.join(base, 'bin');
  // the worker's own: workers run as different uids, and a cache one of them fills the next cannot write
  const cache = path.join(base, 'cache');
  for (const d of [base, repo, tmp, bin, cache]) mkdirSync(d, { recursive: true, mode: 0o755 });
  chmodSync(base, 0o755);
  // the committed tree, exactly: no untracked or ignored files of the checkout come along
  execFileSync('sh', ['-c', 'git -C "$1" archive --format=tar "$2" | tar -x --no-same-owner -C "$3"', 'sh', repoDir, commit, repo], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const dependencyRoots: string[] = [];
  for (const d of DEPENDENCY_DIRS) {
    const src = path.join(repoDir, d);
    if (!existsSync(src) || existsSync(path.join(repo, d))) continue;
    const real = realpathSync(src);
    symlinkSync(real, path.join(repo, d));
    dependencyRoots.push(real);
  }
  return { repo, tmp, bin, cache, dependencyRoots };
}

/** Empties tmp/ between runs so one mutant's leftovers cannot decide the next one's outcome (caches stay). */
export function resetTmp(ws: Workspace, keep: readonly string[] = ['gopath', 'npm']): void {
  for (const name of readdirSync(ws.tmp)) if (!keep.includes(name)) rmSync(path.join(ws.tmp, name), { recursive: true, force: true });
}
