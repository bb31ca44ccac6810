import { lstatSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * Variables that change how git finds a repository or reads its configuration: with any set, git
 * is asked (see knownWorkTreeTop).
 */
const DISCOVERY_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_CONFIG',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_SYSTEM',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  // git then checks ownership against the invoking user, not this process's
  'SUDO_UID',
];

const statOrUndefined = (p: string): Stats | undefined => {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
};

const isFile = (p: string): boolean => statOrUndefined(p)?.isFile() === true;
const isDir = (p: string): boolean => statOrUndefined(p)?.isDirectory() === true;

/** The common directory of a git directory, when it is one as git tells one (HEAD, and objects and refs, or a commondir file). */
function commonDirOf(gitDir: string): string | undefined {
  if (!isFile(path.join(gitDir, 'HEAD'))) return undefined;
  const commondir = path.join(gitDir, 'commondir');
  if (isFile(commondir)) {
    const common = path.resolve(gitDir, readFileSync(commondir, 'utf8').trim());
    return isDir(path.join(common, 'objects')) && isDir(path.join(common, 'refs')) ? common : undefined;
  }
  return isDir(path.join(gitDir, 'objects')) && isDir(path.join(gitDir, 'refs')) ? gitDir : undefined;
}

/** Configuration that moves or removes the work tree, or that may (an include): git is asked then. */
const MOVES_WORK_TREE = /^\s*(?:worktree\s*=|bare\s*=\s*(?:true|yes|on|1)\s*(?:[#;].*)?$|\[\s*include)/im;

function configMovesWorkTree(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  return MOVES_WORK_TREE.test(text);
}

/**
 * The top of the git work tree holding `dir`, found without running git when that is certain: the
 * nearest `.git` above it (a directory, or a `gitdir:` file as a linked work tree or a submodule
 * has) is a git directory this user owns, whose configuration neither moves nor removes the work
 * tree nor includes other files, no variable changes how git finds it, and no file system
 * boundary lies between. Undefined whenever any of that is not so: the caller asks git then (a
 * folder in no work tree, a bare repository, a `.git` git would pass over, a symbolic link named
 * `.git`). The path is the physical one, as `git rev-parse --show-toplevel` prints it. Starting a
 * git process costs a large process 5–10 ms and git about 20 more before it answers.
 */
export function knownWorkTreeTop(dir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (DISCOVERY_VARIABLES.some((v) => env[v] !== undefined)) return undefined;
  try {
    return walkUp(realpathSync(path.resolve(dir)));
  } catch {
    // a folder or file that cannot be read: git decides, and says what is wrong
    return undefined;
  }
}

/** lstat of a path, undefined only when nothing is there (any other failure throws). */
function entryAt(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function walkUp(start: string): string | undefined {
  let at = start;
  let here = statOrUndefined(at);
  if (!here?.isDirectory()) return undefined;
  const uid = process.geteuid?.();
  if (uid === undefined) return undefined;
  for (;;) {
    const dotGit = path.join(at, '.git');
    const entry = entryAt(dotGit);
    if (entry) {
      let gitDir: string | undefined;
      if (entry.isDirectory()) gitDir = dotGit;
      else if (entry.isFile()) {
        const m = /^gitdir: (.+?)\r?\n?$/.exec(readFileSync(dotGit, 'utf8'));
        if (m) gitDir = path.resolve(at, m[1]!);
      }
      const common = gitDir === undefined ? undefined : commonDirOf(gitDir);
      if (gitDir === undefined || common === undefined) return undefined;
      // git refuses a repository another user owns (safe.directory): it says so itself
      if (here.uid !== uid || entry.uid !== uid || statOrUndefined(gitDir)?.uid !== uid) return undefined;
      if (configMovesWorkTree(path.join(common, 'config')) || configMovesWorkTree(path.join(gitDir, 'config.worktree'))) return undefined;
      return at;
    }
    // the folder itself a git directory (a bare repository, or inside .git): git decides
    if (commonDirOf(at) !== undefined) return undefined;
    const parent = path.dirname(at);
    if (parent === at) return undefined;
    const up = statOrUndefined(parent);
    // git stops at a file system boundary
    if (!up?.isDirectory() || up.dev !== here.dev) return undefined;
    at = parent;
    here = up;
  }
}
