import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../../sandbox/package-paths.js';

/** The resident gate's entry point, next to this module once compiled. */
export const serverEntry = fileURLToPath(new URL('./server-main.js', import.meta.url));

/**
 * Which build of Bulwark, on which Node, a resident gate runs: a client whose build differs (an
 * upgrade, a rebuild, another Node) replaces the resident gate rather than take its answer.
 */
export function buildIdentity(): string {
  const st = statSync(serverEntry);
  return createHash('sha256')
    .update(JSON.stringify([packageVersion, process.execPath, process.version, serverEntry, st.mtimeMs, st.size, st.ino]))
    .digest('hex');
}

/** Variables of git's that do not change what it reads from two commits (authorship, prompts, the index of a commit in progress). */
const GIT_UNRELATED = new Set([
  'GIT_PREFIX',
  'GIT_INDEX_FILE',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'GIT_PAGER',
  'GIT_TERMINAL_PROMPT',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
  'GIT_REFLOG_ACTION',
  'GIT_ASKPASS',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_SSL_CAINFO',
  'GIT_SSL_NO_VERIFY',
]);

/** What the gate's evaluation reads from the environment besides git's own variables. */
const READ_BY_EVALUATION = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'TMPDIR',
  'LANG',
  'LANGUAGE',
  'TZ',
  'NODE_OPTIONS',
  'BULWARK_COMPILE_CACHE',
  'BULWARK_GATE_TIMING',
];

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
    const git = name.startsWith('GIT_') && !GIT_UNRELATED.has(name) && !name.startsWith('GIT_TRACE') && !name.startsWith('GIT_PUSH_OPTION_');
    if (git || name.startsWith('LC_') || READ_BY_EVALUATION.includes(name)) out[name] = value;
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
