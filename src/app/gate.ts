import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { UsageError } from '../domain/errors.js';
import { evaluateGateDetailed } from '../gate/index.js';
import { GitBatch } from '../gate/git-batch.js';
import { resolveChange } from '../gate/resolve-change.js';
import { unknownRevision } from '../gate/sources.js';
import type { GateResult } from '../gate/types.js';
import { workTreeTop } from '../review/git.js';
import { loadBulwarkConfig, parseBulwarkConfig, type BulwarkConfig } from './config.js';
import { finishGate, type GateFinishFlags, type PreparedGate } from './gate-finish.js';

// The classifier (model SDKs, the sandbox), the audit log (SQLite, PostgreSQL) and the default
// base's remote lookup are loaded only by a run that uses them (./gate-finish.ts): most decisions
// need none of them, and loading them all costs a gate run more than its warm analysis.

export interface GateFlags extends GateFinishFlags {
  repo: string;
  base?: string;
  head: string;
  json?: boolean;
  config?: string;
  cacheDir?: string;
  cache: boolean;
}

function gitOut(repo: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '').trim().split('\n')[0] ?? '' };
}

/**
 * Configuration comes from the base revision (a pull request cannot relax its own gate), unless
 * --config names a file explicitly. `read` is its text as the revisions were resolved, when git
 * gave it there; otherwise git is asked again, and tells an absent file from an unreadable one.
 */
function loadConfig(repo: string, base: string, file: string | undefined, read: string | undefined): BulwarkConfig {
  if (file) return loadBulwarkConfig(file);
  if (read !== undefined) return parseBulwarkConfig(read, `${base}:bulwark.toml`, repo);
  const shown = gitOut(repo, ['show', `${base}:bulwark.toml`]);
  if (shown.ok) return parseBulwarkConfig(shown.out, `${base}:bulwark.toml`, repo);
  // the defaults only when the base revision has no bulwark.toml: a file git could not read (a
  // missing object, a partial clone that could not fetch it) is an error, never a gate without roots
  const listed = gitOut(repo, ['ls-tree', '--name-only', base, '--', 'bulwark.toml']);
  if (listed.ok && listed.out.trim() === '') return parseBulwarkConfig('', `${base}:bulwark.toml`, repo);
  throw new UsageError(`cannot read bulwark.toml of ${base.slice(0, 12)} from git${shown.err ? `: ${shown.err}` : ''}`);
}

/** The flags that choose what is evaluated: the change, the configuration and the cache. */
export type GateEvaluationFlags = Pick<GateFlags, 'repo' | 'base' | 'head' | 'config' | 'cacheDir' | 'cache'>;

/**
 * The deterministic layers of `bulwark gate` for base..head, with configuration from the base
 * revision: what a resident gate computes for its client, and the in-process run too. `top`: the
 * top of --repo's work tree when the caller knows it already (a resident gate is told it by its
 * client, which found it from the same folder). `mayRead`: nothing is asked of git until it
 * settles, and nothing at all if it rejects (with its error).
 */
export async function prepareGate(flags: GateEvaluationFlags, top?: string, mayRead?: Promise<void>): Promise<PreparedGate> {
  const repo = top ?? workTreeTop(flags.repo);
  // the base first (an unknown base is reported before anything else), then its configuration,
  // then the head: one git process, which the run goes on asking for the few blobs it reads
  const objects = new GitBatch(repo);
  try {
    // the caller's check that the repository may be read (it ran while git started) comes first
    await mayRead;
    const base = flags.base ?? (await (await import('../review/acquire.js')).defaultBase(repo));
    const change = await resolveChange(repo, { base, head: flags.head }, flags.config ? undefined : 'bulwark.toml', objects);
    const config = loadConfig(repo, change.baseCommit, flags.config, change.configText);
    if (change.headCommit === null) throw unknownRevision(flags.head);
    const gateConfig = config.gate ? { ...config.gate, ...(config.gate.cache_dir ? { cache_dir: path.resolve(config.dir, config.gate.cache_dir) } : {}) } : {};
    const {
      result: statics,
      context,
      config: parsed,
    } = await evaluateGateDetailed({
      repoDir: repo,
      base,
      head: flags.head,
      commits: { base: change.baseCommit, head: change.headCommit },
      config: gateConfig,
      cacheDir: flags.cache === false ? null : (flags.cacheDir ?? undefined),
      objects,
    });
    return { repo, config, statics, context, parsed };
  } finally {
    await objects.close();
  }
}

/** `bulwark gate`: the decision for base..head, with configuration from the base revision, recorded when a log is configured. */
export async function runGate(flags: GateFlags): Promise<GateResult> {
  return finishGate(flags, await prepareGate(flags));
}
