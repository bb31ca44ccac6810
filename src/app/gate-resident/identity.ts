import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledModules } from '../../gate/code-version.js';
import { distSrc, packageRoot, packageVersion } from '../../sandbox/package-paths.js';

/** The resident gate's entry point, next to this module once compiled. */
export const serverEntry = fileURLToPath(new URL('./server-main.js', import.meta.url));

/** The packages an evaluation runs besides Bulwark's own code: the compiler, the parsers, the globs, the schemas, the TOML reader. */
const EVALUATION_PACKAGES = [
  'typescript',
  'web-tree-sitter',
  'tree-sitter-python',
  'tree-sitter-go',
  'tree-sitter-java',
  'tree-sitter-javascript',
  'picomatch',
  'zod',
  'smol-toml',
];

function stamp(file: string): string {
  try {
    const st = statSync(file);
    return `${file}\0${st.mtimeMs}\0${st.size}\0${st.ino}`;
  } catch {
    return `${file}\0missing`;
  }
}

/**
 * Which build of Bulwark, with which packages, on which Node and flags, a resident gate runs: every
 * compiled module of Bulwark's (a rebuild rewrites only some), the packages an evaluation uses,
 * the Node binary and its flags. A client whose build differs replaces the resident gate rather
 * than take its answer. About 10 ms: a stat of each of some 270 files.
 */
export function buildIdentity(): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([packageVersion, process.execPath, process.version, process.execArgv]));
  for (const f of compiledModules(distSrc)) h.update(stamp(f));
  for (const p of EVALUATION_PACKAGES) h.update(stamp(path.join(packageRoot, 'node_modules', p, 'package.json')));
  return h.digest('hex');
}

/**
 * Git's variables that change which repository, objects, references or configuration file it
 * reads, or how it lists and compares two commits. Anything else git reads (authorship, editors,
 * prompts, transport and credentials, the index of a commit in progress) a comparison of two
 * commits does not use, and a resident gate is not given.
 */
const GIT_READ = new Set([
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_QUARANTINE_PATH',
  'GIT_NAMESPACE',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_SYSTEM',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_REPLACE_REF_BASE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_GRAFT_FILE',
  'GIT_SHALLOW_FILE',
  'GIT_EXEC_PATH',
  'GIT_ATTR_NOSYSTEM',
  'GIT_ATTR_SOURCE',
  'GIT_DIFF_OPTS',
  'GIT_LITERAL_PATHSPECS',
  'GIT_GLOB_PATHSPECS',
  'GIT_NOGLOB_PATHSPECS',
  'GIT_ICASE_PATHSPECS',
]);

/**
 * Git configuration given in the environment: it may change what git reads, and often carries a
 * credential (`http.extraHeader`). A run with it set evaluates in its own process.
 */
export const GIT_CONFIG_INJECTION = ['GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT'];

/** What the gate's evaluation reads from the environment besides git's own variables. */
const READ_BY_EVALUATION = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'TMPDIR',
  'TMP',
  'TEMP',
  'LANG',
  'LANGUAGE',
  'TZ',
  'NODE_OPTIONS',
  'BULWARK_COMPILE_CACHE',
  'BULWARK_GATE_TIMING',
]);

/**
 * The variables that can change an evaluation: where git finds the repository, its objects and
 * its configuration, which git runs, the cache's folder, the locale. A resident gate is started
 * with these and nothing else (no provider key, token or signing key), and serves only clients
 * whose same variables are equal, so its answer is the one the client would compute itself.
 */
export function evaluationEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (GIT_READ.has(name) || name.startsWith('LC_') || READ_BY_EVALUATION.has(name)) out[name] = value;
  }
  return out;
}

/** A digest of evaluationEnvironment(env): what a client and its resident gate compare. */
export function environmentFingerprint(env: NodeJS.ProcessEnv): string {
  const vars = evaluationEnvironment(env);
  const sorted = Object.keys(vars)
    .sort()
    .map((k) => [k, vars[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}
